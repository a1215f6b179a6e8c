namespace Granary.Core.Erasure;

/// <summary>The reference kernel: one table lookup per byte and coefficient. Runs everywhere.</summary>
internal sealed class ScalarGfKernel : GfKernel
{
    public static readonly ScalarGfKernel Instance = new();

    public override string Name => "scalar";

    public override void MultiplyBlocks(
        ReadOnlySpan<byte> coefficients, int rows, int columns, ReadOnlySpan<byte> input, Span<byte> output, int blockLength)
    {
        for (var r = 0; r < rows; r++)
        {
            var target = output.Slice(r * blockLength, blockLength);
            target.Clear();
            for (var c = 0; c < columns; c++)
            {
                var coefficient = coefficients[r * columns + c];
                if (coefficient == 0)
                {
                    continue;
                }

                var source = input.Slice(c * blockLength, blockLength);
                var products = GaloisField.ProductsOf(coefficient);
                for (var b = 0; b < blockLength; b++)
                {
                    target[b] ^= products[source[b]];
                }
            }
        }
    }
}
