using System.Buffers;
using Granary.Core.Crypto;
using Granary.Core.Erasure;

namespace Granary.Core.Mutable;

/// <summary>
/// Turns k checked blocks of a segment back into its plaintext (mutable-dirnode §14): zfec-decode,
/// cut to the segment's length, decrypt with the data key of the segment's salt. Blocks must have
/// been checked first (<see cref="MutableShareValidation"/>): decoding trusts them.
/// </summary>
public sealed class MutableDecoder
{
    private readonly byte[] _readKey;
    private readonly ReedSolomonCodec _codec;

    public MutableDecoder(MutableVersion version, ReadOnlySpan<byte> readKey)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (readKey.Length != MutableSecrets.KeySize)
        {
            throw new ArgumentException("A read key is 16 bytes.", nameof(readKey));
        }

        Version = version;
        _readKey = readKey.ToArray();
        _codec = ReedSolomonCodec.Get(version.Parameters.K, version.Parameters.N);
    }

    public MutableVersion Version { get; }

    /// <summary>
    /// Decodes <paramref name="segment"/> from the blocks of k distinct shares, block i (of share
    /// <c>shareNumbers[i]</c>) at <c>i · BlockSizeOf(segment)</c>, into <paramref name="plaintext"/>
    /// (<c>SegmentLengthOf(segment)</c> bytes).
    /// </summary>
    public void DecodeSegment(int segment, ReadOnlySpan<int> shareNumbers, ReadOnlySpan<byte> blocks, ReadOnlySpan<byte> salt, Span<byte> plaintext)
    {
        var p = Version.Parameters;
        var blockSize = p.BlockSizeOf(segment);
        var length = p.SegmentLengthOf(segment);
        if (shareNumbers.Length != p.K || blocks.Length != p.K * blockSize)
        {
            throw new ArgumentException($"Segment {segment} needs {p.K} blocks of {blockSize} bytes.", nameof(blocks));
        }

        if (plaintext.Length < length)
        {
            throw new ArgumentException($"Segment {segment} is {length} bytes.", nameof(plaintext));
        }

        var padded = ArrayPool<byte>.Shared.Rent(Math.Max(1, p.K * blockSize));
        try
        {
            _codec.Decode(shareNumbers, blocks, padded, blockSize);
            Span<byte> dataKey = stackalloc byte[MutableSecrets.KeySize];
            MutableSecrets.DataKey(_readKey, salt, dataKey);
            using var aes = new AesCtr(dataKey);
            aes.Transform(0, padded.AsSpan(0, length), plaintext);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(padded);
        }
    }

    /// <summary>
    /// Bytes <c>[offset, offset + count)</c> of the version (clipped to its length) from k or more
    /// whole shares of it that passed <see cref="MutableShare.Validate"/>. The lowest-numbered k are
    /// used (the first k shares are the data itself and need no decoding); only the segments the
    /// range covers are decoded.
    /// </summary>
    public byte[] DecodeRange(IReadOnlyList<MutableShare> shares, long offset, long count)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var p = Version.Parameters;
        var end = Math.Min(p.DataLength, offset + Math.Min(count, long.MaxValue - offset));
        if (end <= offset)
        {
            return [];
        }

        var chosen = ChooseShares(shares);
        var numbers = new int[p.K];
        for (var i = 0; i < p.K; i++)
        {
            numbers[i] = chosen[i].ShareNumber;
        }

        var result = new byte[end - offset];
        var blocks = new byte[p.K * p.BlockSize];
        var plaintext = new byte[p.SegmentSize];
        for (var s = p.SegmentOf(offset); s <= p.SegmentOf(end - 1); s++)
        {
            var blockSize = p.BlockSizeOf(s);
            for (var i = 0; i < p.K; i++)
            {
                chosen[i].BlockOf(s).CopyTo(blocks.AsSpan(i * blockSize));
            }

            DecodeSegment(s, numbers, blocks.AsSpan(0, p.K * blockSize), chosen[0].SaltOf(s), plaintext);
            var segmentStart = p.SegmentOffset(s);
            var from = Math.Max(offset, segmentStart);
            var to = Math.Min(end, segmentStart + p.SegmentLengthOf(s));
            plaintext.AsSpan((int)(from - segmentStart), (int)(to - from)).CopyTo(result.AsSpan((int)(from - offset)));
        }

        return result;
    }

    private List<MutableShare> ChooseShares(IReadOnlyList<MutableShare> shares)
    {
        var byNumber = new SortedDictionary<int, MutableShare>();
        foreach (var share in shares)
        {
            if (share.Version != Version)
            {
                throw new ArgumentException($"Share {share.ShareNumber} is of another version ({share.Version}).", nameof(shares));
            }

            byNumber.TryAdd(share.ShareNumber, share);
        }

        if (byNumber.Count < Version.Parameters.K)
        {
            throw new NotEnoughSharesException($"{byNumber.Count} distinct shares of {Version} were given; {Version.Parameters.K} are needed.");
        }

        return [.. byNumber.Values.Take(Version.Parameters.K)];
    }
}
