namespace Granary.Core.Chk;

/// <summary>
/// The sizes that follow from a file's length and its encoding parameters (chk-format §4):
/// the effective segment size is <c>min(maxseg, size)</c> rounded up to a multiple of k, the last
/// segment is padded with zeros to a multiple of k, and every segment splits into k equal blocks.
/// </summary>
public sealed record ChkParameters
{
    /// <summary>Files this small or smaller are literal (URI:LIT) and have no shares.</summary>
    public const int MaxLiteralSize = 55;

    /// <summary>
    /// A bound on segments per file, so that per-share hash trees stay a few hundred MiB at most.
    /// 2^22 segments of 1 MiB is a 4 TiB file.
    /// </summary>
    public const int MaxSegments = 1 << 22;

    private ChkParameters(long size, int k, int n, int segmentSize)
    {
        Size = size;
        K = k;
        N = n;
        SegmentSize = segmentSize;
        SegmentCount = checked((int)((size + segmentSize - 1) / segmentSize));
        TailSize = (int)(size - (long)(SegmentCount - 1) * segmentSize);
        PaddedTailSize = RoundUp(TailSize, k);
        BlockSize = segmentSize / k;
        TailBlockSize = PaddedTailSize / k;
    }

    public long Size { get; }

    public int K { get; }

    public int N { get; }

    /// <summary>The effective segment size: a multiple of k, possibly larger than the maximum asked for.</summary>
    public int SegmentSize { get; }

    public int SegmentCount { get; }

    /// <summary>Bytes of the file in the last segment, before padding (1 … SegmentSize).</summary>
    public int TailSize { get; }

    public int PaddedTailSize { get; }

    public int BlockSize { get; }

    public int TailBlockSize { get; }

    /// <summary>Bytes of block data in each share: the sum of its block sizes, ⌈size / k⌉.</summary>
    public long ShareDataSize => (long)(SegmentCount - 1) * BlockSize + TailBlockSize;

    /// <summary>Derives the sizes for a CHK file (size ≥ 56) under <paramref name="parameters"/>.</summary>
    public static ChkParameters Create(long size, EncodingParameters parameters)
    {
        parameters.Validate();
        if (size <= MaxLiteralSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"A file of {size} bytes is a literal (URI:LIT) file, not CHK.");
        }

        var segmentSize = RoundUp((int)Math.Min(parameters.MaxSegmentSize, size), parameters.K);
        return FromEffectiveSegmentSize(size, parameters.K, parameters.N, segmentSize);
    }

    /// <summary>Rebuilds the sizes from what a URI extension block records.</summary>
    public static ChkParameters FromEffectiveSegmentSize(long size, int k, int n, int segmentSize)
    {
        new EncodingParameters(k, n, segmentSize).Validate();
        if (size <= MaxLiteralSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"A CHK file has at least {MaxLiteralSize + 1} bytes; got {size}.");
        }

        if (segmentSize % k != 0)
        {
            throw new ArgumentException($"The segment size {segmentSize} is not a multiple of k={k}.", nameof(segmentSize));
        }

        if ((size + segmentSize - 1) / segmentSize > MaxSegments)
        {
            throw new ArgumentException(
                $"A file of {size} bytes in segments of {segmentSize} bytes needs more than {MaxSegments} segments; use a larger segment size.",
                nameof(segmentSize));
        }

        return new ChkParameters(size, k, n, segmentSize);
    }

    public int BlockSizeOf(int segment) => segment == SegmentCount - 1 ? TailBlockSize : BlockSize;

    /// <summary>Plaintext bytes in <paramref name="segment"/>, before tail padding.</summary>
    public int SegmentLengthOf(int segment) => segment == SegmentCount - 1 ? TailSize : SegmentSize;

    public long SegmentOffset(int segment) => (long)segment * SegmentSize;

    private static int RoundUp(int value, int multiple) => checked((value + multiple - 1) / multiple * multiple);
}
