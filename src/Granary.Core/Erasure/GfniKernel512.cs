using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Granary.Core.Erasure;

/// <summary>
/// GFNI on 512-bit vectors: multiplying a byte by a constant in GF(2^8) is a linear map over GF(2),
/// so one GF2P8AFFINEQB with that constant's 8×8 bit matrix multiplies 64 bytes at once, for any
/// field polynomial (the instruction's own GF2P8MULB is fixed to AES's 0x11B, so it cannot be used).
/// </summary>
internal sealed unsafe class GfniKernel512 : VectorGfKernel
{
    public static bool IsSupported => Gfni.V512.IsSupported && Avx512F.IsSupported;

    public override string Name => "gfni-avx512";

    protected override int VectorBytes => 64;

    protected override int TableBytes => 8;

    protected override void BuildTable(byte coefficient, Span<byte> table) =>
        Unsafe.WriteUnaligned(ref table[0], GfniMatrix.For(coefficient));

    protected override void MultiplyGroup(
        int rows, byte* tables, int columns, byte* input, int inputStride, byte* output, int outputStride, int start, int end)
    {
        switch (rows)
        {
            case 1: Group<Rows1>((ulong*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 2: Group<Rows2>((ulong*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 3: Group<Rows3>((ulong*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 4: Group<Rows4>((ulong*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 5: Group<Rows5>((ulong*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 6: Group<Rows6>((ulong*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 7: Group<Rows7>((ulong*)tables, columns, input, inputStride, output, outputStride, start, end); break;
            default: Group<Rows8>((ulong*)tables, columns, input, inputStride, output, outputStride, start, end); break;
        }
    }

    // Hot for the life of the process: compile it optimized at once instead of tiering up from slow code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Group<TRows>(ulong* m, int columns, byte* input, int inputStride, byte* output, int outputStride, int start, int end)
        where TRows : struct, IRowCount
    {
        var n = TRows.Count;
        for (var at = start; at < end; at += 64)
        {
            Vector512<byte> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            var source = input + at;
            for (var c = 0; c < columns; c++, source += inputStride)
            {
                var x = Vector512.Load(source);
                a0 ^= Mul(x, m[c]);
                if (n > 1)
                {
                    a1 ^= Mul(x, m[columns + c]);
                }

                if (n > 2)
                {
                    a2 ^= Mul(x, m[2 * columns + c]);
                }

                if (n > 3)
                {
                    a3 ^= Mul(x, m[3 * columns + c]);
                }

                if (n > 4)
                {
                    a4 ^= Mul(x, m[4 * columns + c]);
                }

                if (n > 5)
                {
                    a5 ^= Mul(x, m[5 * columns + c]);
                }

                if (n > 6)
                {
                    a6 ^= Mul(x, m[6 * columns + c]);
                }

                if (n > 7)
                {
                    a7 ^= Mul(x, m[7 * columns + c]);
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
    private static Vector512<byte> Mul(Vector512<byte> x, ulong matrix) =>
        Gfni.V512.GaloisFieldAffineTransform(x, Vector512.Create(matrix).AsByte(), 0);
}
