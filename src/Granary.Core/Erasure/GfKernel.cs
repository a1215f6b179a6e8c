using System.Runtime.Intrinsics;

namespace Granary.Core.Erasure;

/// <summary>
/// The seam between the Reed-Solomon codec and the code that touches data: multiply a small
/// coefficient matrix by a group of equal-length blocks. Implementations differ only in speed;
/// each must produce exactly what <see cref="ScalarGfKernel"/> produces.
/// </summary>
/// <remarks>
/// A matrix is prepared once (<see cref="Prepare"/>) into whatever tables the kernel's instructions
/// want, so the per-call cost is the arithmetic alone. Blocks sit at a fixed stride from each other
/// (at least the block length), which lets callers keep every block 64-byte aligned.
/// </remarks>
internal abstract class GfKernel
{
    public abstract string Name { get; }

    /// <summary>Turns a rows × columns coefficient matrix into this kernel's tables.</summary>
    public abstract PreparedMatrix Prepare(ReadOnlySpan<byte> coefficients, int rows, int columns);

    /// <summary>
    /// For each row r: <c>output[outputBlocks[r]] = Σ_c matrix[r, c] · input[c]</c>, where block i of
    /// the input starts at <c>i · inputStride</c> and block j of the output at <c>j · outputStride</c>,
    /// and every block is <paramref name="blockLength"/> bytes. Naming each row's output block lets a
    /// decode write the data blocks it rebuilds straight where they belong, however they lie.
    /// </summary>
    public void Multiply(
        PreparedMatrix matrix, ReadOnlySpan<byte> input, int inputStride, Span<byte> output, int outputStride, ReadOnlySpan<int> outputBlocks, int blockLength)
    {
        // The vector kernels write through pointers: the layout is checked here, once per call.
        ArgumentOutOfRangeException.ThrowIfNegative(blockLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputStride, blockLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputStride, blockLength);
        ArgumentOutOfRangeException.ThrowIfNotEqual(outputBlocks.Length, matrix.Rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(input.Length, matrix.Columns == 0 ? 0 : (long)(matrix.Columns - 1) * inputStride + blockLength);
        foreach (var block in outputBlocks)
        {
            if (block < 0 || (long)block * outputStride + blockLength > output.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(outputBlocks), $"Output block {block} does not fit in {output.Length} bytes at stride {outputStride}.");
            }
        }

        MultiplyChecked(matrix, input, inputStride, output, outputStride, outputBlocks, blockLength);
    }

    /// <summary><see cref="Multiply"/> once the layout is known to fit the spans.</summary>
    protected abstract void MultiplyChecked(
        PreparedMatrix matrix, ReadOnlySpan<byte> input, int inputStride, Span<byte> output, int outputStride, ReadOnlySpan<int> outputBlocks, int blockLength);

    /// <summary>The fastest kernel this machine runs, chosen once from the CPU's instruction sets.</summary>
    public static GfKernel Best { get; } = Available().First();

    /// <summary>Every kernel this machine can run, fastest first; the scalar kernel is always last.</summary>
    public static IEnumerable<GfKernel> Available()
    {
        if (Gfni512.IsSupported)
        {
            yield return new VectorGfKernel<Gfni512, Vector512<byte>, Vector512<byte>>();
        }

        if (Gfni256.IsSupported)
        {
            yield return new VectorGfKernel<Gfni256, Vector256<byte>, Vector256<byte>>();
        }

        if (Shuffle512.IsSupported)
        {
            yield return new VectorGfKernel<Shuffle512, Vector512<byte>, Nibbles<Vector512<byte>>>();
        }

        if (Shuffle256.IsSupported)
        {
            yield return new VectorGfKernel<Shuffle256, Vector256<byte>, Nibbles<Vector256<byte>>>();
        }

        if (Shuffle128.IsSupported)
        {
            yield return new VectorGfKernel<Shuffle128, Vector128<byte>, Nibbles<Vector128<byte>>>();
        }

        yield return ScalarGfKernel.Instance;
    }
}

/// <summary>A coefficient matrix in a kernel's own table format.</summary>
internal sealed class PreparedMatrix(byte[] coefficients, int rows, int columns, byte[] tables)
{
    /// <summary>The plain coefficients, row-major (what the scalar tail uses).</summary>
    public byte[] Coefficients { get; } = coefficients;

    public int Rows { get; } = rows;

    public int Columns { get; } = columns;

    /// <summary>Kernel-specific tables, one fixed-size entry per coefficient, in the order the kernel reads them.</summary>
    public byte[] Tables { get; } = tables;
}
