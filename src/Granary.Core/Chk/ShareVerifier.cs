using System.Buffers;
using System.Buffers.Binary;
using Granary.Core.Caps;

namespace Granary.Core.Chk;

/// <summary>
/// Reads bytes of one stored share into <paramref name="destination"/> from <paramref name="offset"/>
/// and returns how many there were (fewer at the end of the share, none past it).
/// </summary>
public delegate ValueTask<int> ShareRangeReader(long offset, Memory<byte> destination, CancellationToken cancellationToken);

/// <summary>What verifying one stored share found.</summary>
/// <param name="Problem">Why the whole share is unusable (its header, hashes, URI extension block, length or unused region is wrong); null if none of that is.</param>
/// <param name="BadSegments">Segments whose block in this share does not match its hash (the share's other blocks are good).</param>
/// <param name="SegmentCount">The file's segments, so a caller can tell which blocks are good.</param>
public sealed record ShareVerdict(int Share, string? Problem, IReadOnlyList<int> BadSegments, int SegmentCount)
{
    /// <summary>Every byte of the share is what the format and the cap say it must be.</summary>
    public bool Intact => Problem is null && BadSegments.Count == 0;

    /// <summary>The share's hashes are sound, so its good blocks can be used.</summary>
    public bool Usable => Problem is null;

    /// <summary>One line for people: what is wrong, or "intact".</summary>
    public string Summary => Problem
        ?? (BadSegments.Count == 0
            ? "intact"
            : $"block{(BadSegments.Count == 1 ? "" : "s")} {Blocks(BadSegments)} of {SegmentCount} do{(BadSegments.Count == 1 ? "es" : "")} not match {(BadSegments.Count == 1 ? "its hash" : "their hashes")}");

    private static string Blocks(IReadOnlyList<int> segments) =>
        segments.Count <= 10 ? string.Join(", ", segments) : string.Join(", ", segments.Take(10)) + $" and {segments.Count - 10} more";
}

/// <summary>
/// Checks every byte of a stored immutable share against what the cap (or, on a storage node, the
/// share's own URI extension block) vouches for: the exact length, the header's every field, the URI
/// extension block, the unused plaintext-hash-tree region (zeros), the crypttext and block hash trees,
/// the share hashes, and each block. A block that does not match its hash spoils only that block;
/// anything else spoils the whole share.
/// </summary>
public static class ShareVerifier
{
    private const int WindowBytes = 4 << 20;

    /// <summary>
    /// Verifies share <paramref name="share"/> through <paramref name="decoder"/> (fresh, or holding
    /// only what other shares of the same file gave it). <paramref name="segments"/> limits the block
    /// checks to those segments (null: every block). A reader failure propagates; a
    /// <see cref="CorruptFileException"/> means the cap and the file disagree, whichever share is read.
    /// </summary>
    public static async Task<ShareVerdict> VerifyAsync(
        ChkDecoder decoder, int share, ShareRangeReader read, IReadOnlyCollection<int>? segments, CancellationToken cancellationToken)
    {
        var segmentCount = 0;
        try
        {
            var (header, extension) = await AcceptExtensionAsync(decoder, share, read, cancellationToken).ConfigureAwait(false);
            var p = decoder.Parameters;
            segmentCount = p.SegmentCount;

            var expectedLength = header.ShareSize(extension.Length);
            var past = new byte[1];
            if (await read(expectedLength, past, cancellationToken).ConfigureAwait(false) != 0)
            {
                throw new CorruptShareException(share, $"it is longer than the {expectedLength} bytes its layout defines");
            }

            // The unused region, the hash trees and the share hashes lie back to back before the URI extension block.
            var metadata = await ReadExactlyAsync(share, read, header.PlaintextHashTreeOffset, header.UriExtensionOffset - header.PlaintextHashTreeOffset, "hash trees", cancellationToken).ConfigureAwait(false);
            int At(long offset) => (int)(offset - header.PlaintextHashTreeOffset);
            if (metadata.AsSpan(0, At(header.CrypttextHashTreeOffset)).ContainsAnyExcept((byte)0))
            {
                throw new CorruptShareException(share, "its unused plaintext hash tree region is not zero");
            }

            decoder.AcceptCrypttextHashTree(share, metadata.AsSpan(At(header.CrypttextHashTreeOffset), At(header.BlockHashesOffset) - At(header.CrypttextHashTreeOffset)));
            decoder.AcceptShareHashes(
                share,
                metadata.AsSpan(At(header.ShareHashesOffset), At(header.UriExtensionOffset) - At(header.ShareHashesOffset)),
                metadata.AsSpan(At(header.BlockHashesOffset), At(header.ShareHashesOffset) - At(header.BlockHashesOffset)));

            var bad = segments is null
                ? await VerifyAllBlocksAsync(decoder, share, header, read, cancellationToken).ConfigureAwait(false)
                : await VerifySomeBlocksAsync(decoder, share, header, read, segments, cancellationToken).ConfigureAwait(false);
            return new ShareVerdict(share, null, bad, segmentCount);
        }
        catch (CorruptShareException e)
        {
            return new ShareVerdict(share, e.Reason, [], segmentCount);
        }
    }

    /// <summary>
    /// The light check: the share's header and URI extension block against the cap (a few hundred
    /// bytes read), which catches a share of another file and a cap whose k, n or size is wrong
    /// (<see cref="CorruptFileException"/>), but reads no block or hash tree.
    /// </summary>
    public static async Task<ShareVerdict> CheckExtensionAsync(ChkDecoder decoder, int share, ShareRangeReader read, CancellationToken cancellationToken)
    {
        try
        {
            await AcceptExtensionAsync(decoder, share, read, cancellationToken).ConfigureAwait(false);
            return new ShareVerdict(share, null, [], decoder.Parameters.SegmentCount);
        }
        catch (CorruptShareException e)
        {
            return new ShareVerdict(share, e.Reason, [], 0);
        }
    }

    /// <summary>
    /// What a storage node can tell about a share it holds without the cap: verifies it against its
    /// own URI extension block. Whatever this finds is real corruption; what it cannot find is a
    /// change inside that block which keeps it well-formed and consistent with the rest of the share.
    /// </summary>
    public static async Task<ShareVerdict> SelfCheckAsync(StorageIndex index, int share, ShareRangeReader read, IReadOnlyCollection<int>? segments, CancellationToken cancellationToken)
    {
        ChkVerifyCap vouched;
        try
        {
            var (_, extension) = await ReadExtensionAsync(share, read, cancellationToken).ConfigureAwait(false);
            UriExtension parsed;
            try
            {
                parsed = UriExtension.Parse(extension);
            }
            catch (FormatException e)
            {
                throw new CorruptShareException(share, $"its URI extension block is malformed ({e.Message})");
            }

            var p = parsed.Parameters;
            vouched = new ChkVerifyCap(index, UriExtension.HashOf(extension), p.K, p.N, p.Size);
        }
        catch (CorruptShareException e)
        {
            return new ShareVerdict(share, e.Reason, [], 0);
        }

        using var decoder = new ChkDecoder(vouched);
        return await VerifyAsync(decoder, share, read, segments, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads share <paramref name="share"/>'s URI extension block (the header, then the block) without
    /// checking it against anything; a share too damaged to find it in is a <see cref="CorruptShareException"/>.
    /// </summary>
    public static async Task<byte[]> ReadUriExtensionAsync(int share, ShareRangeReader read, CancellationToken cancellationToken) =>
        (await ReadExtensionAsync(share, read, cancellationToken).ConfigureAwait(false)).Extension;

    // The header and URI extension block, checked against the decoder's cap.
    private static async Task<(ShareHeader Header, byte[] Extension)> AcceptExtensionAsync(ChkDecoder decoder, int share, ShareRangeReader read, CancellationToken cancellationToken)
    {
        var (header, extension) = await ReadExtensionAsync(share, read, cancellationToken).ConfigureAwait(false);
        if (share < 0 || share >= decoder.N)
        {
            throw new CorruptShareException(share, $"its number is outside the file's {decoder.N} shares");
        }

        decoder.AcceptUriExtension(share, extension);
        decoder.AcceptShareHeader(share, header);
        return (header, extension);
    }

    private static async Task<(ShareHeader Header, byte[] Extension)> ReadExtensionAsync(int share, ShareRangeReader read, CancellationToken cancellationToken)
    {
        var headerBytes = new byte[ShareHeader.MaxSize];
        var got = await read(0, headerBytes, cancellationToken).ConfigureAwait(false);
        ShareHeader header;
        try
        {
            if (!ShareHeader.TryParse(headerBytes.AsSpan(0, got), out var parsed))
            {
                throw new CorruptShareException(share, "it is shorter than a share header");
            }

            header = parsed!;
        }
        catch (FormatException e)
        {
            throw new CorruptShareException(share, $"its header is unreadable ({e.Message})");
        }

        var lengthBytes = await ReadExactlyAsync(share, read, header.UriExtensionOffset, header.UriExtensionLengthSize, "URI extension length", cancellationToken).ConfigureAwait(false);
        var length = header.UriExtensionLengthSize == 4 ? BinaryPrimitives.ReadUInt32BigEndian(lengthBytes) : BinaryPrimitives.ReadUInt64BigEndian(lengthBytes);
        if (length > UriExtension.MaxSerializedLength)
        {
            throw new CorruptShareException(share, $"its URI extension block claims {length} bytes");
        }

        var extension = await ReadExactlyAsync(share, read, header.UriExtensionOffset + header.UriExtensionLengthSize, (long)length, "URI extension block", cancellationToken).ConfigureAwait(false);
        return (header, extension);
    }

    private static async Task<List<int>> VerifyAllBlocksAsync(ChkDecoder decoder, int share, ShareHeader header, ShareRangeReader read, CancellationToken cancellationToken)
    {
        var p = decoder.Parameters;
        var perWindow = (int)Math.Clamp(WindowBytes / Math.Max(1, p.BlockSize), 1, p.SegmentCount);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)perWindow * p.BlockSize, p.ShareDataSize));
        var bad = new List<int>();
        try
        {
            for (var first = 0; first < p.SegmentCount; first += perWindow)
            {
                var count = Math.Min(perWindow, p.SegmentCount - first);
                var length = (int)(((long)(count - 1) * p.BlockSize) + p.BlockSizeOf(first + count - 1));
                await ReadIntoAsync(share, read, header.BlockOffset(first), buffer.AsMemory(0, length), "its blocks", cancellationToken).ConfigureAwait(false);
                for (var segment = first; segment < first + count; segment++)
                {
                    if (!BlockIsGood(decoder, share, segment, buffer.AsSpan((segment - first) * p.BlockSize, p.BlockSizeOf(segment))))
                    {
                        bad.Add(segment);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return bad;
    }

    private static async Task<List<int>> VerifySomeBlocksAsync(
        ChkDecoder decoder, int share, ShareHeader header, ShareRangeReader read, IReadOnlyCollection<int> segments, CancellationToken cancellationToken)
    {
        var p = decoder.Parameters;
        var bad = new List<int>();
        var buffer = new byte[p.BlockSize];
        foreach (var segment in segments.Where(s => s >= 0 && s < p.SegmentCount).Distinct().Order())
        {
            var block = buffer.AsMemory(0, p.BlockSizeOf(segment));
            await ReadIntoAsync(share, read, header.BlockOffset(segment), block, "its blocks", cancellationToken).ConfigureAwait(false);
            if (!BlockIsGood(decoder, share, segment, block.Span))
            {
                bad.Add(segment);
            }
        }

        return bad;
    }

    private static bool BlockIsGood(ChkDecoder decoder, int share, int segment, ReadOnlySpan<byte> block)
    {
        try
        {
            decoder.VerifyBlock(share, segment, block);
            return true;
        }
        catch (CorruptShareException e) when (e.Segment == segment)
        {
            return false;
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(int share, ShareRangeReader read, long offset, long length, string what, CancellationToken cancellationToken)
    {
        if (length > int.MaxValue)
        {
            throw new CorruptShareException(share, $"its {what} would be {length} bytes");
        }

        var bytes = new byte[length];
        await ReadIntoAsync(share, read, offset, bytes, what, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    private static async Task ReadIntoAsync(int share, ShareRangeReader read, long offset, Memory<byte> destination, string what, CancellationToken cancellationToken)
    {
        if (destination.Length > 0 && await read(offset, destination, cancellationToken).ConfigureAwait(false) != destination.Length)
        {
            throw new CorruptShareException(share, $"it is truncated before the end of {(what.StartsWith("its", StringComparison.Ordinal) ? what : "its " + what)}");
        }
    }
}
