namespace Granary.Core.Erasure;

/// <summary>
/// The seam between the Reed-Solomon codec and the code that touches data: multiply a small
/// coefficient matrix by a group of equal-length blocks. Implementations differ only in speed;
/// each must produce exactly what <see cref="ScalarGfKernel"/> produces.
/// </summary>
internal abstract class GfKernel
{
    public abstract string Name { get; }

    /// <summary>
    /// For each row r: <c>output[r] = Σ_c coefficients[r·columns + c] · input[c]</c>, where
    /// block i of <paramref name="input"/> or <paramref name="output"/> is the
    /// <paramref name="blockLength"/> bytes at offset <c>i · blockLength</c>.
    /// </summary>
    public abstract void MultiplyBlocks(
        ReadOnlySpan<byte> coefficients, int rows, int columns, ReadOnlySpan<byte> input, Span<byte> output, int blockLength);
}
