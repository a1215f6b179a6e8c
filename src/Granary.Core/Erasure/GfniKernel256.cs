using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Granary.Core.Erasure;

/// <summary>GFNI on 256-bit vectors (AVX machines without AVX-512): the same affine trick as <see cref="GfniKernel512"/>.</summary>
internal sealed unsafe class GfniKernel256 : VectorGfKernel
{
    public static bool IsSupported => Gfni.V256.IsSupported && Avx.IsSupported;

    public override string Name => "gfni-avx2";

    protected override int VectorBytes => 32;

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
        for (var at = start; at < end; at += 32)
        {
            Vector256<byte> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            var source = input + at;
            for (var c = 0; c < columns; c++, source += inputStride)
            {
                var x = Vector256.Load(source);
                a0 ^= Mul(x, m[c]);
                if (n > 1)
                {
                    a1 ^= Mul(x, m[1 * columns + c]);
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
    private static Vector256<byte> Mul(Vector256<byte> x, ulong matrix) =>
        Gfni.V256.GaloisFieldAffineTransform(x, Vector256.Create(matrix).AsByte(), 0);
}
