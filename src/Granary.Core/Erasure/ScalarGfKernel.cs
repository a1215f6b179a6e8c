namespace Granary.Core.Erasure;

/// <summary>The reference kernel: one table lookup per byte and coefficient. Runs everywhere.</summary>
internal sealed class ScalarGfKernel : GfKernel
{
    public static readonly ScalarGfKernel Instance = new();

    public override string Name => "scalar";

    public override PreparedMatrix Prepare(ReadOnlySpan<byte> coefficients, int rows, int columns) =>
        new(coefficients[..(rows * columns)].ToArray(), rows, columns, []);

    protected override void MultiplyChecked(
        PreparedMatrix matrix, ReadOnlySpan<byte> input, int inputStride, Span<byte> output, int outputStride, ReadOnlySpan<int> outputBlocks, int blockLength) =>
        MultiplyRange(matrix, input, inputStride, output, outputStride, outputBlocks, 0, blockLength);

    /// <summary>The arithmetic on bytes <c>[start, end)</c> of every block; vector kernels use it for their tails.</summary>
    public static void MultiplyRange(
        PreparedMatrix matrix, ReadOnlySpan<byte> input, int inputStride, Span<byte> output, int outputStride, ReadOnlySpan<int> outputBlocks, int start, int end)
    {
        var columns = matrix.Columns;
        for (var r = 0; r < matrix.Rows; r++)
        {
            var target = output.Slice(outputBlocks[r] * outputStride + start, end - start);
            target.Clear();
            for (var c = 0; c < columns; c++)
            {
                var coefficient = matrix.Coefficients[r * columns + c];
                if (coefficient == 0)
                {
                    continue;
                }

                var source = input.Slice(c * inputStride + start, end - start);
                var products = GaloisField.ProductsOf(coefficient);
                for (var b = 0; b < source.Length; b++)
                {
                    target[b] ^= products[source[b]];
                }
            }
        }
    }
}
