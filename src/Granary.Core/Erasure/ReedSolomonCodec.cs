using System.Collections.Concurrent;

namespace Granary.Core.Erasure;

/// <summary>
/// zfec-compatible systematic Reed-Solomon over GF(2^8): k data blocks become n blocks, the first k
/// of which are the data itself, and any k distinct blocks give the data back.
/// The encoding matrix is <c>E = V · T⁻¹</c>, with V zfec's n × k Vandermonde matrix and T its top
/// k × k square, so rows 0 … k−1 of E are the identity. Immutable and safe to share between threads.
/// </summary>
public sealed class ReedSolomonCodec
{
    public const int MaxShares = 256;

    // Building a codec inverts a k × k matrix; files share a handful of shapes, so keep them.
    private static readonly ConcurrentDictionary<(int K, int N), ReedSolomonCodec> Codecs = new();

    private readonly GfMatrix _encoding;
    private readonly PreparedMatrix? _parity;
    private readonly int[] _parityBlocks;
    private readonly GfKernel _kernel;
    private readonly DecodePlanCache _decodePlans = new();

    public ReedSolomonCodec(int k, int n)
        : this(k, n, GfKernel.Best)
    {
    }

    internal ReedSolomonCodec(int k, int n, GfKernel kernel)
    {
        if (k < 1 || n > MaxShares || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"Reed-Solomon needs 1 <= k <= n <= {MaxShares}; got k={k}, n={n}.");
        }

        K = k;
        N = n;
        _kernel = kernel;
        var vandermonde = GfMatrix.Vandermonde(n, k);
        var top = vandermonde.SelectRows(Enumerable.Range(0, k).ToArray());
        _encoding = vandermonde.Multiply(top.Invert());
        _parity = n > k ? kernel.Prepare(_encoding.Cells[(k * k)..], n - k, k) : null;
        _parityBlocks = [.. Enumerable.Range(0, n - k)];
    }

    /// <summary>The shared codec for k-of-n with the fastest kernel this machine runs.</summary>
    public static ReedSolomonCodec Get(int k, int n) => Codecs.GetOrAdd((k, n), static shape => new ReedSolomonCodec(shape.K, shape.N));

    public int K { get; }

    public int N { get; }

    /// <summary>The kernel doing the arithmetic (for reports and benchmarks).</summary>
    public string KernelName => _kernel.Name;

    /// <summary>Row <paramref name="share"/> of the encoding matrix: how share j mixes the k data blocks.</summary>
    public ReadOnlySpan<byte> EncodingRow(int share) => _encoding.Row(share);

    /// <summary>Computes the n − k parity blocks from the k data blocks, each kind back to back.</summary>
    public void Encode(ReadOnlySpan<byte> data, Span<byte> parity, int blockLength) =>
        Encode(data, blockLength, parity, blockLength, blockLength);

    /// <summary>
    /// Computes the n − k parity blocks. Data block i starts at <c>i · dataStride</c>, parity block
    /// j (share k + j) at <c>j · parityStride</c>; strides of a multiple of 64 keep every block aligned.
    /// </summary>
    public void Encode(ReadOnlySpan<byte> data, int dataStride, Span<byte> parity, int parityStride, int blockLength)
    {
        RequireLayout(data, K, dataStride, blockLength, nameof(data));
        RequireLayout(parity, N - K, parityStride, blockLength, nameof(parity));
        if (_parity is not null)
        {
            _kernel.Multiply(_parity, data, dataStride, parity, parityStride, _parityBlocks, blockLength);
        }
    }

    /// <summary>Recovers the k data blocks from any k distinct shares, each kind back to back.</summary>
    public void Decode(ReadOnlySpan<int> shareNumbers, ReadOnlySpan<byte> blocks, Span<byte> data, int blockLength) =>
        Decode(shareNumbers, blocks, blockLength, data, blockLength, blockLength);

    /// <summary>
    /// Recovers the k data blocks from any k distinct shares. Block i of <paramref name="blocks"/>
    /// (share <c>shareNumbers[i]</c>) starts at <c>i · blockStride</c>; data block d is written at
    /// <c>d · dataStride</c>.
    /// </summary>
    public void Decode(ReadOnlySpan<int> shareNumbers, ReadOnlySpan<byte> blocks, int blockStride, Span<byte> data, int dataStride, int blockLength)
    {
        ReconstructMissing(shareNumbers, blocks, blockStride, data, dataStride, blockLength);
        for (var i = 0; i < shareNumbers.Length; i++)
        {
            var share = shareNumbers[i];
            if (share < K)
            {
                blocks.Slice(i * blockStride, blockLength).CopyTo(data.Slice(share * dataStride, blockLength));
            }
        }
    }

    /// <summary>
    /// Writes only the data blocks that none of <paramref name="shareNumbers"/> is: a caller that
    /// reads the surviving data blocks straight from where they arrived needs nothing else, and saves
    /// copying them. Layout as in <see cref="Decode(ReadOnlySpan{int}, ReadOnlySpan{byte}, int, Span{byte}, int, int)"/>.
    /// </summary>
    public void ReconstructMissing(
        ReadOnlySpan<int> shareNumbers, ReadOnlySpan<byte> blocks, int blockStride, Span<byte> data, int dataStride, int blockLength)
    {
        RequireLayout(blocks, K, blockStride, blockLength, nameof(blocks));
        RequireLayout(data, K, dataStride, blockLength, nameof(data));
        var plan = _decodePlans.Find(shareNumbers) ?? _decodePlans.Add(CreatePlan(shareNumbers));
        if (plan.Missing.Length == 0)
        {
            return;
        }

        _kernel.Multiply(plan.Matrix, blocks, blockStride, data, dataStride, plan.Missing, blockLength);
    }

    /// <summary>The data blocks a set of shares leaves missing, ascending (cached with the decode plan).</summary>
    public ReadOnlySpan<int> MissingDataBlocks(ReadOnlySpan<int> shareNumbers) =>
        (_decodePlans.Find(shareNumbers) ?? _decodePlans.Add(CreatePlan(shareNumbers))).Missing;

    private DecodePlan CreatePlan(ReadOnlySpan<int> shareNumbers)
    {
        if (shareNumbers.Length != K)
        {
            throw new ArgumentException($"Decoding needs exactly k={K} shares, got {shareNumbers.Length}.", nameof(shareNumbers));
        }

        Span<bool> seen = stackalloc bool[MaxShares];
        foreach (var share in shareNumbers)
        {
            if (share < 0 || share >= N)
            {
                throw new ArgumentOutOfRangeException(nameof(shareNumbers), $"Share number {share} is outside 0..{N - 1}.");
            }

            if (seen[share])
            {
                throw new ArgumentException($"Share {share} is listed twice; decoding needs distinct shares.", nameof(shareNumbers));
            }

            seen[share] = true;
        }

        var missing = new List<int>();
        for (var d = 0; d < K; d++)
        {
            if (!seen[d])
            {
                missing.Add(d);
            }
        }

        var inverse = _encoding.SelectRows(shareNumbers).Invert();
        var rows = inverse.SelectRows([.. missing]);
        return new DecodePlan(shareNumbers.ToArray(), [.. missing], _kernel.Prepare(rows.Cells, missing.Count, K));
    }

    private static void RequireLayout(ReadOnlySpan<byte> buffer, int blocks, int stride, int blockLength, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockLength);
        if (stride < blockLength)
        {
            throw new ArgumentException($"The stride of {name} ({stride}) is shorter than a block ({blockLength}).", name);
        }

        var needed = blocks == 0 ? 0 : (long)(blocks - 1) * stride + blockLength;
        if (buffer.Length < needed)
        {
            throw new ArgumentException($"{name} holds {buffer.Length} bytes; {blocks} blocks of {blockLength} at stride {stride} need {needed}.", name);
        }
    }
}
