using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Granary.Core.Erasure;

/// <summary>
/// AVX-512BW without GFNI. Split-nibble tables: <c>c·x = lo[x &amp; 15] ⊕ hi[x &gt;&gt; 4]</c>, with each
/// 16-entry table looked up by a byte shuffle, one per 128-bit lane.
/// </summary>
internal sealed unsafe class ShuffleKernel512 : VectorGfKernel
{
    public static bool IsSupported => Avx512BW.IsSupported;

    public override string Name => "avx512bw";

    protected override int VectorBytes => 64;

    protected override int TableBytes => 32;

    protected override void BuildTable(byte coefficient, Span<byte> table) => SplitNibbleTable.Build(coefficient, table);

    protected override void MultiplyGroup(
        int rows, byte* tables, int columns, byte* input, int inputStride, byte* output, int outputStride, int start, int end)
    {
        switch (rows)
        {
            case 1: Group<Rows1>((byte*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 2: Group<Rows2>((byte*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 3: Group<Rows3>((byte*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 4: Group<Rows4>((byte*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 5: Group<Rows5>((byte*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 6: Group<Rows6>((byte*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 7: Group<Rows7>((byte*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            default: Group<Rows8>((byte*)tables, columns, input, inputStride, output, outputStride, start, end); break;
        }
    }

    // Hot for the life of the process: compile it optimized at once instead of tiering up from slow code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Group<TRows>(byte* t, int columns, byte* input, int inputStride, byte* output, int outputStride, int start, int end)
        where TRows : struct, IRowCount
    {
        var n = TRows.Count;
        var mask = Vector512.Create((byte)0x0F);
        for (var at = start; at < end; at += 64)
        {
            Vector512<byte> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            var source = input + at;
            for (var c = 0; c < columns; c++, source += inputStride)
            {
                var x = Vector512.Load(source);
                var lo = x & mask;
                var hi = Avx512BW.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask;
                a0 ^= Mul(lo, hi, t + 32 * (c));
                if (n > 1)
                {
                    a1 ^= Mul(lo, hi, t + 32 * (1 * columns + c));
                }

                if (n > 2)
                {
                    a2 ^= Mul(lo, hi, t + 32 * (2 * columns + c));
                }

                if (n > 3)
                {
                    a3 ^= Mul(lo, hi, t + 32 * (3 * columns + c));
                }

                if (n > 4)
                {
                    a4 ^= Mul(lo, hi, t + 32 * (4 * columns + c));
                }

                if (n > 5)
                {
                    a5 ^= Mul(lo, hi, t + 32 * (5 * columns + c));
                }

                if (n > 6)
                {
                    a6 ^= Mul(lo, hi, t + 32 * (6 * columns + c));
                }

                if (n > 7)
                {
                    a7 ^= Mul(lo, hi, t + 32 * (7 * columns + c));
                }
            }

            var target = output + at;
            a0.Store(target);
            if (n > 1)
            {
                a1.Store(target + outputStride);
            }

            if (n > 2)
            {
                a2.Store(target + 2L * outputStride);
            }

            if (n > 3)
            {
                a3.Store(target + 3L * outputStride);
            }

            if (n > 4)
            {
                a4.Store(target + 4L * outputStride);
            }

            if (n > 5)
            {
                a5.Store(target + 5L * outputStride);
            }

            if (n > 6)
            {
                a6.Store(target + 6L * outputStride);
            }

            if (n > 7)
            {
                a7.Store(target + 7L * outputStride);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Mul(Vector512<byte> lo, Vector512<byte> hi, byte* table) =>
        Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)table).AsByte(), lo) ^ Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(table + 16)).AsByte(), hi);
}
