namespace Granary.Core.Erasure;

/// <summary>
/// The loop structure every SIMD kernel shares. Output rows are taken in groups of up to eight, so
/// each pass over the inputs feeds eight accumulators; columns are cut into chunks small enough that
/// a chunk of every input stays in the L1/L2 cache while all row groups use it. The bytes past the
/// last whole vector go through the scalar kernel.
/// </summary>
internal abstract unsafe class VectorGfKernel : GfKernel
{
    public const int MaxGroupRows = 8;

    // Input bytes per chunk across all columns: about half of a 32 KiB L1 data cache.
    private const int ChunkInputBytes = 16 * 1024;

    /// <summary>Bytes of one vector register: how far the inner loop steps.</summary>
    protected abstract int VectorBytes { get; }

    /// <summary>Bytes of table per coefficient.</summary>
    protected abstract int TableBytes { get; }

    protected abstract void BuildTable(byte coefficient, Span<byte> table);

    /// <summary>
    /// Computes rows <c>[firstRow, firstRow + rows)</c> over bytes <c>[start, end)</c>, where
    /// <c>end − start</c> is a multiple of <see cref="VectorBytes"/>.
    /// </summary>
    protected abstract void MultiplyGroup(
        int rows, byte* tables, int columns, byte* input, int inputStride, byte* output, int outputStride, int start, int end);

    public override PreparedMatrix Prepare(ReadOnlySpan<byte> coefficients, int rows, int columns)
    {
        var tables = new byte[rows * columns * TableBytes];
        for (var i = 0; i < rows * columns; i++)
        {
            BuildTable(coefficients[i], tables.AsSpan(i * TableBytes, TableBytes));
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
}
