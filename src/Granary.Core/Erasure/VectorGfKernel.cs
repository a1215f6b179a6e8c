using System.Runtime.CompilerServices;

namespace Granary.Core.Erasure;

/// <summary>
/// Every SIMD kernel: one instruction set's multiply (<typeparamref name="TMultiplier"/>) in one loop
/// structure. Output rows are taken in groups of up to eight, so each pass over the inputs feeds
/// eight accumulators; columns are cut into chunks small enough that a chunk of every input stays in
/// the L1/L2 cache while all row groups use it. The bytes past the last whole vector go through the
/// scalar kernel. Generic over structs, so the JIT compiles one specialised loop per instruction set
/// and group size, with every call inlined and every accumulator in a register.
/// </summary>
internal sealed unsafe class VectorGfKernel<TMultiplier, TVector, TInput> : GfKernel
    where TMultiplier : struct, IVectorMultiplier<TVector, TInput>
    where TVector : unmanaged
    where TInput : unmanaged
{
    public const int MaxGroupRows = 8;

    // Input bytes per chunk across all columns: about half of a 32 KiB L1 data cache.
    private const int ChunkInputBytes = 16 * 1024;

    private static int VectorBytes => TMultiplier.VectorBytes;

    private static int TableBytes => TMultiplier.TableBytes;

    public override string Name => TMultiplier.Name;

    public override PreparedMatrix Prepare(ReadOnlySpan<byte> coefficients, int rows, int columns)
    {
        var tables = new byte[rows * columns * TableBytes];
        for (var i = 0; i < rows * columns; i++)
        {
            TMultiplier.BuildTable(coefficients[i], tables.AsSpan(i * TableBytes, TableBytes));
        }

        return new PreparedMatrix(coefficients[..(rows * columns)].ToArray(), rows, columns, tables);
    }

    public override void Multiply(
        PreparedMatrix matrix, ReadOnlySpan<byte> input, int inputStride, Span<byte> output, int outputStride, int blockLength)
    {
        var vectorEnd = blockLength - blockLength % VectorBytes;
        var chunk = Math.Max(VectorBytes, ChunkInputBytes / matrix.Columns / VectorBytes * VectorBytes);
        fixed (byte* tables = matrix.Tables)
        fixed (byte* inputs = input)
        fixed (byte* outputs = output)
        {
            for (var start = 0; start < vectorEnd; start += chunk)
            {
                var end = Math.Min(start + chunk, vectorEnd);
                for (var row = 0; row < matrix.Rows; row += MaxGroupRows)
                {
                    var rows = Math.Min(MaxGroupRows, matrix.Rows - row);
                    MultiplyGroup(
                        rows,
                        tables + (long)row * matrix.Columns * TableBytes,
                        matrix.Columns,
                        inputs,
                        inputStride,
                        outputs + (long)row * outputStride,
                        outputStride,
                        start,
                        end);
                }
            }
        }

        if (vectorEnd < blockLength)
        {
            ScalarGfKernel.MultiplyRange(matrix, input, inputStride, output, outputStride, vectorEnd, blockLength);
        }
    }

    /// <summary>
    /// Computes <paramref name="rows"/> output rows over bytes <c>[start, end)</c>, where
    /// <c>end − start</c> is a multiple of <see cref="VectorBytes"/>.
    /// </summary>
    private static void MultiplyGroup(
        int rows, byte* tables, int columns, byte* input, int inputStride, byte* output, int outputStride, int start, int end)
    {
        switch (rows)
        {
            case 1: Group<Rows1>(tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 2: Group<Rows2>(tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 3: Group<Rows3>(tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 4: Group<Rows4>(tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 5: Group<Rows5>(tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 6: Group<Rows6>(tables, columns, input, inputStride, output, outputStride, start, end); break;
            case 7: Group<Rows7>(tables, columns, input, inputStride, output, outputStride, start, end); break;
            default: Group<Rows8>(tables, columns, input, inputStride, output, outputStride, start, end); break;
        }
    }

    // Hot for the life of the process: compile it optimized at once instead of tiering up from slow code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Group<TRows>(byte* t, int columns, byte* input, int inputStride, byte* output, int outputStride, int start, int end)
        where TRows : struct, IRowCount
    {
        var n = TRows.Count;
        for (var at = start; at < end; at += VectorBytes)
        {
            TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            var source = input + at;
            for (var c = 0; c < columns; c++, source += inputStride)
            {
                var x = TMultiplier.Load(source);
                a0 = TMultiplier.Xor(a0, TMultiplier.Multiply(x, t + c * TableBytes));

                if (n > 1)
                {
                    a1 = TMultiplier.Xor(a1, TMultiplier.Multiply(x, t + (1 * columns + c) * TableBytes));
                }

                if (n > 2)
                {
                    a2 = TMultiplier.Xor(a2, TMultiplier.Multiply(x, t + (2 * columns + c) * TableBytes));
                }

                if (n > 3)
                {
                    a3 = TMultiplier.Xor(a3, TMultiplier.Multiply(x, t + (3 * columns + c) * TableBytes));
                }

                if (n > 4)
                {
                    a4 = TMultiplier.Xor(a4, TMultiplier.Multiply(x, t + (4 * columns + c) * TableBytes));
                }

                if (n > 5)
                {
                    a5 = TMultiplier.Xor(a5, TMultiplier.Multiply(x, t + (5 * columns + c) * TableBytes));
                }

                if (n > 6)
                {
                    a6 = TMultiplier.Xor(a6, TMultiplier.Multiply(x, t + (6 * columns + c) * TableBytes));
                }

                if (n > 7)
                {
                    a7 = TMultiplier.Xor(a7, TMultiplier.Multiply(x, t + (7 * columns + c) * TableBytes));
                }
            }

            var target = output + at;
            TMultiplier.Store(a0, target);

            if (n > 1)
            {
                TMultiplier.Store(a1, target + 1L * outputStride);
            }

            if (n > 2)
            {
                TMultiplier.Store(a2, target + 2L * outputStride);
            }

            if (n > 3)
            {
                TMultiplier.Store(a3, target + 3L * outputStride);
            }

            if (n > 4)
            {
                TMultiplier.Store(a4, target + 4L * outputStride);
            }

            if (n > 5)
            {
                TMultiplier.Store(a5, target + 5L * outputStride);
            }

            if (n > 6)
            {
                TMultiplier.Store(a6, target + 6L * outputStride);
            }

            if (n > 7)
            {
                TMultiplier.Store(a7, target + 7L * outputStride);
            }
        }
    }
}
