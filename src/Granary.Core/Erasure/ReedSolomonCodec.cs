using System.Buffers;
using System.Collections.Concurrent;

namespace Granary.Core.Erasure;

/// <summary>
/// zfec-compatible systematic Reed-Solomon over GF(2^8): k data blocks become n blocks, the first k
/// of which are the data itself, and any k distinct blocks give the data back.
/// The encoding matrix is <c>E = V · T⁻¹</c>, with V zfec's n × k Vandermonde matrix and T its top
/// k × k square, so rows 0 … k−1 of E are the identity.
/// </summary>
public sealed class ReedSolomonCodec
{
    public const int MaxShares = 256;

    // Building a codec inverts a k × k matrix; files share a handful of shapes, so keep them.
    private static readonly ConcurrentDictionary<(int K, int N), ReedSolomonCodec> Codecs = new();

    private readonly GfMatrix _encoding;
    private readonly byte[] _parityRows;
    private readonly GfKernel _kernel;

    public ReedSolomonCodec(int k, int n)
        : this(k, n, ScalarGfKernel.Instance)
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
        _parityRows = _encoding.Cells[(k * k)..].ToArray();
    }

    /// <summary>The shared codec for k-of-n; codecs are immutable and safe to use from any thread.</summary>
    public static ReedSolomonCodec Get(int k, int n) => Codecs.GetOrAdd((k, n), static shape => new ReedSolomonCodec(shape.K, shape.N));

    public int K { get; }

    public int N { get; }

    /// <summary>The kernel doing the arithmetic (for reports and benchmarks).</summary>
    public string KernelName => _kernel.Name;

    /// <summary>Row <paramref name="share"/> of the encoding matrix: how share j mixes the k data blocks.</summary>
    public ReadOnlySpan<byte> EncodingRow(int share) => _encoding.Row(share);

    /// <summary>
    /// Computes the n − k parity blocks. <paramref name="data"/> holds the k data blocks back to back,
    /// <paramref name="parity"/> receives blocks k … n−1 back to back, each <paramref name="blockLength"/> bytes.
    /// </summary>
    public void Encode(ReadOnlySpan<byte> data, Span<byte> parity, int blockLength)
    {
        RequireLength(data, K, blockLength, nameof(data));
        RequireLength(parity, N - K, blockLength, nameof(parity));
        if (N > K)
        {
            _kernel.MultiplyBlocks(_parityRows, N - K, K, data, parity, blockLength);
        }
    }

    /// <summary>
    /// Recovers the k data blocks from any k distinct shares. <paramref name="blocks"/> holds the
    /// blocks of <paramref name="shareNumbers"/>, in that order, back to back; <paramref name="data"/>
    /// receives data blocks 0 … k−1 back to back.
    /// </summary>
    public void Decode(ReadOnlySpan<int> shareNumbers, ReadOnlySpan<byte> blocks, Span<byte> data, int blockLength)
    {
        ValidateShareNumbers(shareNumbers);
        RequireLength(blocks, K, blockLength, nameof(blocks));
        RequireLength(data, K, blockLength, nameof(data));

        // Data blocks we hold are copied; the rest come from the rows of the inverted submatrix.
        Span<int> missing = stackalloc int[K];
        var missingCount = 0;
        Span<bool> present = stackalloc bool[K];
        for (var i = 0; i < K; i++)
        {
            var share = shareNumbers[i];
            if (share < K)
            {
                present[share] = true;
                blocks.Slice(i * blockLength, blockLength).CopyTo(data.Slice(share * blockLength, blockLength));
            }
        }

        for (var d = 0; d < K; d++)
        {
            if (!present[d])
            {
                missing[missingCount++] = d;
            }
        }

        if (missingCount == 0)
        {
            return;
        }

        var inverse = _encoding.SelectRows(shareNumbers).Invert();
        var coefficients = inverse.SelectRows(missing[..missingCount]).Cells;
        var scratch = ArrayPool<byte>.Shared.Rent(missingCount * blockLength);
        try
        {
            _kernel.MultiplyBlocks(coefficients, missingCount, K, blocks, scratch, blockLength);
            for (var i = 0; i < missingCount; i++)
            {
                scratch.AsSpan(i * blockLength, blockLength).CopyTo(data.Slice(missing[i] * blockLength, blockLength));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private void ValidateShareNumbers(ReadOnlySpan<int> shareNumbers)
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
    }

    private static void RequireLength(ReadOnlySpan<byte> buffer, int blocks, int blockLength, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockLength);
        if (buffer.Length < (long)blocks * blockLength)
        {
            throw new ArgumentException($"{name} holds {buffer.Length} bytes; {blocks} blocks of {blockLength} need {(long)blocks * blockLength}.", name);
        }
    }
}
