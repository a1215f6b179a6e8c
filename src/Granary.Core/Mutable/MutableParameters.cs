using System.Numerics;

namespace Granary.Core.Mutable;

/// <summary>
/// How one version of a mutable file is cut and coded (mutable-dirnode §5): k of N shares, the
/// segment size and the plaintext length, and everything that follows from them — segment count,
/// tail, block sizes, and where each segment's data sits in a share.
/// </summary>
public sealed record MutableParameters
{
    /// <summary>MDMF segments are this many bytes, rounded up to a multiple of k (fixed in Tahoe's code).</summary>
    public const int MdmfBaseSegmentSize = 131072;

    /// <summary>Shares are numbered in a u8, so at most 255 (one fewer than CHK).</summary>
    public const int MaxShares = 255;

    /// <summary>Bytes of one salt.</summary>
    public const int SaltSize = MutableSecrets.KeySize;

    // Bounds that keep a hostile header from asking for absurd allocations; real files stay far below.
    private const long MaxSegmentSize = int.MaxValue;
    private const long MaxSegmentCount = 1L << 26;

    public MutableParameters(MutableFormat format, int k, int n, long segmentSize, long dataLength)
    {
        if (k < 1 || n > MaxShares || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"Mutable files need 1 <= k <= N <= {MaxShares}; got k={k}, N={n}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(dataLength);
        if (segmentSize < 0 || segmentSize > MaxSegmentSize || segmentSize % k != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(segmentSize), $"The segment size {segmentSize} must be a multiple of k={k} between 0 and {MaxSegmentSize}.");
        }

        if (dataLength > 0 && segmentSize == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(segmentSize), "A non-empty file needs a segment size above zero.");
        }

        var segments = dataLength == 0 ? 0 : (dataLength + segmentSize - 1) / segmentSize;
        if (segments > MaxSegmentCount || (format == MutableFormat.Sdmf && segments > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(dataLength), format == MutableFormat.Sdmf
                ? $"An SDMF file is one segment; {dataLength} bytes do not fit a {segmentSize}-byte segment."
                : $"{dataLength} bytes in {segmentSize}-byte segments is more than {MaxSegmentCount} segments.");
        }

        Format = format;
        K = k;
        N = n;
        SegmentSize = segmentSize;
        DataLength = dataLength;
        SegmentCount = (int)segments;
        TailLength = segments == 0 ? 0 : (int)(dataLength - (segments - 1) * segmentSize);
        BlockSize = (int)(segmentSize / k);
        TailBlockSize = (TailLength + k - 1) / k;
    }

    public MutableFormat Format { get; }

    /// <summary>Shares needed to recover the file.</summary>
    public int K { get; }

    /// <summary>Shares written.</summary>
    public int N { get; }

    public long SegmentSize { get; }

    /// <summary>Plaintext bytes.</summary>
    public long DataLength { get; }

    /// <summary>0 for an empty file; 1 for every other SDMF file.</summary>
    public int SegmentCount { get; }

    /// <summary>Plaintext bytes of the last segment (0 when there is none).</summary>
    public int TailLength { get; }

    /// <summary>Bytes of a block of any segment but the last: <c>segsize / k</c>.</summary>
    public int BlockSize { get; }

    /// <summary>Bytes of a block of the last segment: <c>ceil(tail / k)</c>.</summary>
    public int TailBlockSize { get; }

    /// <summary>Nodes in each share's stored block hash tree: the full array, one node for zero or one segment.</summary>
    public int BlockHashTreeNodeCount => SegmentCount <= 1 ? 1 : 2 * (int)BitOperations.RoundUpToPowerOf2((uint)SegmentCount) - 1;

    /// <summary>Entries in each share's hash chain: <c>log2(pow2(N))</c>.</summary>
    public int ShareHashChainLength => BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)N));

    /// <summary>
    /// The parameters Tahoe-LAFS gives a new version of <paramref name="dataLength"/> bytes: SDMF one
    /// segment of <c>round_up(datalen, k)</c>, MDMF segments of <c>round_up(131072, k)</c>.
    /// </summary>
    public static MutableParameters ForNewVersion(MutableFormat format, int k, int n, long dataLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var segmentSize = format == MutableFormat.Sdmf
            ? (dataLength + k - 1) / k * k
            : (MdmfBaseSegmentSize + k - 1) / k * k;
        return new MutableParameters(format, k, n, segmentSize, dataLength);
    }

    /// <summary>Plaintext bytes of <paramref name="segment"/>.</summary>
    public int SegmentLengthOf(int segment) => RequireSegment(segment) == SegmentCount - 1 ? TailLength : (int)SegmentSize;

    /// <summary>Where <paramref name="segment"/> starts in the plaintext.</summary>
    public long SegmentOffset(int segment) => RequireSegment(segment) * SegmentSize;

    public int BlockSizeOf(int segment) => RequireSegment(segment) == SegmentCount - 1 ? TailBlockSize : BlockSize;

    /// <summary>Bytes <paramref name="segment"/> takes in a share's data: the block, preceded by its salt in MDMF.</summary>
    public int SegmentDataLength(int segment) => (Format == MutableFormat.Mdmf ? SaltSize : 0) + BlockSizeOf(segment);

    /// <summary>Where <paramref name="segment"/>'s data starts within a share's data region.</summary>
    public long SegmentDataOffset(int segment) => RequireSegment(segment) * (long)((Format == MutableFormat.Mdmf ? SaltSize : 0) + BlockSize);

    /// <summary>Bytes of a share's data region: every segment's (salt and) block.</summary>
    public long ShareDataLength => SegmentCount == 0 ? 0 : SegmentDataOffset(SegmentCount - 1) + SegmentDataLength(SegmentCount - 1);

    /// <summary>The segment holding plaintext byte <paramref name="offset"/>.</summary>
    public int SegmentOf(long offset) =>
        offset >= 0 && offset < DataLength ? (int)(offset / SegmentSize) : throw new ArgumentOutOfRangeException(nameof(offset));

    private int RequireSegment(int segment) =>
        segment >= 0 && segment < SegmentCount
            ? segment
            : throw new ArgumentOutOfRangeException(nameof(segment), $"Segment {segment} does not exist; the version has {SegmentCount}.");
}
