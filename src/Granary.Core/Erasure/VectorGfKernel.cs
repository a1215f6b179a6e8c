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
/// <remarks>
/// A group's tables are stored column by column (column c's entries for the group's rows side by
/// side), so the inner loop walks one pointer and reads each table at a constant offset from it:
/// no index arithmetic per coefficient. Columns go two at a time, so one three-way XOR (a single
/// VPTERNLOG on AVX-512) adds two products to an accumulator.
/// </remarks>
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
        for (var first = 0; first < rows; first += MaxGroupRows)
        {
            var groupRows = Math.Min(MaxGroupRows, rows - first);
            for (var r = 0; r < groupRows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    var entry = first * columns + c * groupRows + r;
                    TMultiplier.BuildTable(coefficients[(first + r) * columns + c], tables.AsSpan(entry * TableBytes, TableBytes));
                }
            }
        }

        return new PreparedMatrix(coefficients[..(rows * columns)].ToArray(), rows, columns, tables);
    }

    protected override void MultiplyChecked(
        PreparedMatrix matrix, ReadOnlySpan<byte> input, int inputStride, Span<byte> output, int outputStride, ReadOnlySpan<int> outputBlocks, int blockLength)
    {
        var vectorEnd = blockLength - blockLength % VectorBytes;
        var chunk = Math.Max(VectorBytes, ChunkInputBytes / matrix.Columns / VectorBytes * VectorBytes);
        var targets = stackalloc byte*[MaxGroupRows];
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
                    for (var r = 0; r < rows; r++)
                    {
                        targets[r] = outputs + (long)outputBlocks[row + r] * outputStride;
                    }

                    MultiplyGroup(rows, tables + (long)row * matrix.Columns * TableBytes, matrix.Columns, inputs, inputStride, targets, start, end);
                }
            }
        }

        if (vectorEnd < blockLength)
        {
            ScalarGfKernel.MultiplyRange(matrix, input, inputStride, output, outputStride, outputBlocks, vectorEnd, blockLength);
        }
    }

    /// <summary>
    /// Computes <paramref name="rows"/> output rows over bytes <c>[start, end)</c>, where
    /// <c>end − start</c> is a multiple of <see cref="VectorBytes"/>; row r goes to <c>targets[r]</c>.
    /// </summary>
    private static void MultiplyGroup(int rows, byte* tables, int columns, byte* input, int inputStride, byte** targets, int start, int end)
    {
        switch (rows)
        {
            case 1: SingleRow(tables, columns, input, inputStride, targets[0], start, end); break;
            case 2: Group<Rows2>(tables, columns, input, inputStride, targets, start, end); break;
            case 3: Group<Rows3>(tables, columns, input, inputStride, targets, start, end); break;
            case 4: Group<Rows4>(tables, columns, input, inputStride, targets, start, end); break;
            case 5: Group<Rows5>(tables, columns, input, inputStride, targets, start, end); break;
            case 6: Group<Rows6>(tables, columns, input, inputStride, targets, start, end); break;
            case 7: Group<Rows7>(tables, columns, input, inputStride, targets, start, end); break;
            default: Group<Rows8>(tables, columns, input, inputStride, targets, start, end); break;
        }
    }

    /// <summary>
    /// One output row (a decode that lost one data share, a k-of-(k + 1) encode): two vectors per
    /// step, so the step's fixed cost (clearing, storing, the column loop's entry and exit) is shared
    /// and two accumulators are in flight; a last odd vector goes through <see cref="Group{TRows}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SingleRow(byte* tables, int columns, byte* input, int inputStride, byte* target, int start, int end)
    {
        var pairs = columns / 2;
        long stride = inputStride;
        var at = start;
        for (; at + 2 * VectorBytes <= end; at += 2 * VectorBytes)
        {
            TVector a = default, b = default;
            var source = input + at;
            var t = tables;
            for (var pair = 0; pair < pairs; pair++, source += 2 * stride, t += 2 * TableBytes)
            {
                var x = TMultiplier.Load(source);
                var y = TMultiplier.Load(source + stride);
                var x2 = TMultiplier.Load(source + VectorBytes);
                var y2 = TMultiplier.Load(source + stride + VectorBytes);
                a = TMultiplier.Xor(a, TMultiplier.Multiply(x, t), TMultiplier.Multiply(y, t + TableBytes));
                b = TMultiplier.Xor(b, TMultiplier.Multiply(x2, t), TMultiplier.Multiply(y2, t + TableBytes));
            }

            if (columns % 2 != 0)
            {
                a = TMultiplier.Xor(a, TMultiplier.Multiply(TMultiplier.Load(source), t));
                b = TMultiplier.Xor(b, TMultiplier.Multiply(TMultiplier.Load(source + VectorBytes), t));
            }

            TMultiplier.Store(a, target + at);
            TMultiplier.Store(b, target + at + VectorBytes);
        }

        if (at < end)
        {
            Group<Rows1>(tables, columns, input, inputStride, &target, at, end);
        }
    }

    // Hot for the life of the process: compile it optimized at once instead of tiering up from slow code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Group<TRows>(byte* tables, int columns, byte* input, int inputStride, byte** targets, int start, int end)
        where TRows : struct, IRowCount
    {
        var n = TRows.Count;
        var column = n * TableBytes; // one column's tables for the group
        var pairs = columns / 2;
        long stride = inputStride;
        for (var at = start; at < end; at += VectorBytes)
        {
            TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            var source = input + at;
            var t = tables;
            for (var pair = 0; pair < pairs; pair++, source += 2 * stride, t += 2 * column)
            {
                var x = TMultiplier.Load(source);
                var y = TMultiplier.Load(source + stride);
                a0 = TMultiplier.Xor(a0, TMultiplier.Multiply(x, t), TMultiplier.Multiply(y, t + column));

                if (n > 1)
                {
                    a1 = TMultiplier.Xor(a1, TMultiplier.Multiply(x, t + (1 * TableBytes)), TMultiplier.Multiply(y, t + column + (1 * TableBytes)));
                }

                if (n > 2)
                {
                    a2 = TMultiplier.Xor(a2, TMultiplier.Multiply(x, t + (2 * TableBytes)), TMultiplier.Multiply(y, t + column + (2 * TableBytes)));
                }

                if (n > 3)
                {
                    a3 = TMultiplier.Xor(a3, TMultiplier.Multiply(x, t + (3 * TableBytes)), TMultiplier.Multiply(y, t + column + (3 * TableBytes)));
                }

                if (n > 4)
                {
                    a4 = TMultiplier.Xor(a4, TMultiplier.Multiply(x, t + (4 * TableBytes)), TMultiplier.Multiply(y, t + column + (4 * TableBytes)));
                }

                if (n > 5)
                {
                    a5 = TMultiplier.Xor(a5, TMultiplier.Multiply(x, t + (5 * TableBytes)), TMultiplier.Multiply(y, t + column + (5 * TableBytes)));
                }

                if (n > 6)
                {
                    a6 = TMultiplier.Xor(a6, TMultiplier.Multiply(x, t + (6 * TableBytes)), TMultiplier.Multiply(y, t + column + (6 * TableBytes)));
                }

                if (n > 7)
                {
                    a7 = TMultiplier.Xor(a7, TMultiplier.Multiply(x, t + (7 * TableBytes)), TMultiplier.Multiply(y, t + column + (7 * TableBytes)));
                }
            }

            if (columns % 2 != 0)
            {
                var x = TMultiplier.Load(source);
                a0 = TMultiplier.Xor(a0, TMultiplier.Multiply(x, t));

                if (n > 1)
                {
                    a1 = TMultiplier.Xor(a1, TMultiplier.Multiply(x, t + (1 * TableBytes)));
                }

                if (n > 2)
                {
                    a2 = TMultiplier.Xor(a2, TMultiplier.Multiply(x, t + (2 * TableBytes)));
                }

                if (n > 3)
                {
                    a3 = TMultiplier.Xor(a3, TMultiplier.Multiply(x, t + (3 * TableBytes)));
                }

                if (n > 4)
                {
                    a4 = TMultiplier.Xor(a4, TMultiplier.Multiply(x, t + (4 * TableBytes)));
                }

                if (n > 5)
                {
                    a5 = TMultiplier.Xor(a5, TMultiplier.Multiply(x, t + (5 * TableBytes)));
                }

                if (n > 6)
                {
                    a6 = TMultiplier.Xor(a6, TMultiplier.Multiply(x, t + (6 * TableBytes)));
                }

                if (n > 7)
                {
                    a7 = TMultiplier.Xor(a7, TMultiplier.Multiply(x, t + (7 * TableBytes)));
                }
            }

            TMultiplier.Store(a0, targets[0] + at);

            if (n > 1)
            {
                TMultiplier.Store(a1, targets[1] + at);
            }

            if (n > 2)
            {
                TMultiplier.Store(a2, targets[2] + at);
            }

            if (n > 3)
            {
                TMultiplier.Store(a3, targets[3] + at);
            }

            if (n > 4)
            {
                TMultiplier.Store(a4, targets[4] + at);
            }

            if (n > 5)
            {
                TMultiplier.Store(a5, targets[5] + at);
            }

            if (n > 6)
            {
                TMultiplier.Store(a6, targets[6] + at);
            }

            if (n > 7)
            {
                TMultiplier.Store(a7, targets[7] + at);
            }
        }
    }
}
