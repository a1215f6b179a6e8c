using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Granary.Core.Erasure;

/// <summary>
/// GFNI on 512-bit vectors: multiplying a byte by a constant in GF(2^8) is a linear map over GF(2),
/// so one GF2P8AFFINEQB with that constant's 8×8 bit matrix multiplies 64 bytes at once, for any
/// field polynomial (the instruction's own GF2P8MULB is fixed to AES's 0x11B, so it cannot be used).
/// </summary>
internal readonly unsafe struct Gfni512 : IVectorMultiplier<Vector512<byte>, Vector512<byte>>
{
    public static bool IsSupported => Gfni.V512.IsSupported && Avx512F.IsSupported;

    public static string Name => "gfni-avx512";

    public static int VectorBytes => 64;

    public static int TableBytes => 8;

    public static void BuildTable(byte coefficient, Span<byte> table) => Unsafe.WriteUnaligned(ref table[0], GfniMatrix.For(coefficient));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Load(byte* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Multiply(Vector512<byte> input, byte* table) =>
        Gfni.V512.GaloisFieldAffineTransform(input, Vector512.Create(*(ulong*)table).AsByte(), 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Xor(Vector512<byte> left, Vector512<byte> right) => left ^ right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Xor(Vector512<byte> a, Vector512<byte> b, Vector512<byte> c) => Avx512F.TernaryLogic(a, b, c, 0x96);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<byte> value, byte* target) => value.Store(target);
}

/// <summary>GFNI on 256-bit vectors (AVX machines without AVX-512): the same affine trick as <see cref="Gfni512"/>.</summary>
internal readonly unsafe struct Gfni256 : IVectorMultiplier<Vector256<byte>, Vector256<byte>>
{
    public static bool IsSupported => Gfni.V256.IsSupported && Avx.IsSupported;

    public static string Name => "gfni-avx2";

    public static int VectorBytes => 32;

    public static int TableBytes => 8;

    public static void BuildTable(byte coefficient, Span<byte> table) => Unsafe.WriteUnaligned(ref table[0], GfniMatrix.For(coefficient));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load(byte* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Multiply(Vector256<byte> input, byte* table) =>
        Gfni.V256.GaloisFieldAffineTransform(input, Vector256.Create(*(ulong*)table).AsByte(), 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Xor(Vector256<byte> left, Vector256<byte> right) => left ^ right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Xor(Vector256<byte> a, Vector256<byte> b, Vector256<byte> c) => a ^ b ^ c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<byte> value, byte* target) => value.Store(target);
}

/// <summary>A vector of input bytes split into low and high nibbles, for the shuffle kernels' table lookups.</summary>
internal readonly struct Nibbles<TVector>(TVector low, TVector high)
    where TVector : unmanaged
{
    public TVector Low { get; } = low;

    public TVector High { get; } = high;
}

/// <summary>
/// AVX-512BW without GFNI. Split-nibble tables: <c>c·x = lo[x &amp; 15] ⊕ hi[x &gt;&gt; 4]</c>, with
/// each 16-entry table looked up by a byte shuffle, one per 128-bit lane.
/// </summary>
internal readonly unsafe struct Shuffle512 : IVectorMultiplier<Vector512<byte>, Nibbles<Vector512<byte>>>
{
    public static bool IsSupported => Avx512BW.IsSupported;

    public static string Name => "avx512bw";

    public static int VectorBytes => 64;

    public static int TableBytes => 32;

    public static void BuildTable(byte coefficient, Span<byte> table) => SplitNibbleTable.Build(coefficient, table);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Nibbles<Vector512<byte>> Load(byte* source)
    {
        var x = Vector512.Load(source);
        var mask = Vector512.Create((byte)0x0F);
        return new(x & mask, Avx512BW.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Multiply(Nibbles<Vector512<byte>> input, byte* table) =>
        Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)table).AsByte(), input.Low)
        ^ Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(table + 16)).AsByte(), input.High);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Xor(Vector512<byte> left, Vector512<byte> right) => left ^ right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Xor(Vector512<byte> a, Vector512<byte> b, Vector512<byte> c) => Avx512F.TernaryLogic(a, b, c, 0x96);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<byte> value, byte* target) => value.Store(target);
}

/// <summary>AVX2 without GFNI: the split-nibble tables of <see cref="Shuffle512"/> on 256-bit vectors.</summary>
internal readonly unsafe struct Shuffle256 : IVectorMultiplier<Vector256<byte>, Nibbles<Vector256<byte>>>
{
    public static bool IsSupported => Avx2.IsSupported;

    public static string Name => "avx2";

    public static int VectorBytes => 32;

    public static int TableBytes => 32;

    public static void BuildTable(byte coefficient, Span<byte> table) => SplitNibbleTable.Build(coefficient, table);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Nibbles<Vector256<byte>> Load(byte* source)
    {
        var x = Vector256.Load(source);
        var mask = Vector256.Create((byte)0x0F);
        return new(x & mask, Avx2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Multiply(Nibbles<Vector256<byte>> input, byte* table) =>
        Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(table), input.Low) ^ Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(table + 16), input.High);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Xor(Vector256<byte> left, Vector256<byte> right) => left ^ right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Xor(Vector256<byte> a, Vector256<byte> b, Vector256<byte> c) => a ^ b ^ c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<byte> value, byte* target) => value.Store(target);
}

/// <summary>SSSE3, the oldest x86 vector kernel: the split-nibble tables of <see cref="Shuffle512"/> on 128-bit vectors.</summary>
internal readonly unsafe struct Shuffle128 : IVectorMultiplier<Vector128<byte>, Nibbles<Vector128<byte>>>
{
    public static bool IsSupported => Ssse3.IsSupported;

    public static string Name => "ssse3";

    public static int VectorBytes => 16;

    public static int TableBytes => 32;

    public static void BuildTable(byte coefficient, Span<byte> table) => SplitNibbleTable.Build(coefficient, table);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Nibbles<Vector128<byte>> Load(byte* source)
    {
        var x = Vector128.Load(source);
        var mask = Vector128.Create((byte)0x0F);
        return new(x & mask, Sse2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Multiply(Nibbles<Vector128<byte>> input, byte* table) =>
        Ssse3.Shuffle(Vector128.Load(table), input.Low) ^ Ssse3.Shuffle(Vector128.Load(table + 16), input.High);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Xor(Vector128<byte> left, Vector128<byte> right) => left ^ right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Xor(Vector128<byte> a, Vector128<byte> b, Vector128<byte> c) => a ^ b ^ c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<byte> value, byte* target) => value.Store(target);
}
