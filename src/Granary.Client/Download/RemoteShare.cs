using System.Buffers.Binary;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;

namespace Granary.Client.Download;

/// <summary>
/// One share on one server whose header, URI extension block and hashes have been read and verified
/// through the decoder; its blocks can then be fetched and checked.
/// </summary>
internal sealed class RemoteShare
{
    private RemoteShare(StorageClient server, int share, ShareHeader header)
    {
        Server = server;
        Share = share;
        Header = header;
    }

    public StorageClient Server { get; }

    public int Share { get; }

    public ShareHeader Header { get; }

    public string Name => $"share {Share} on node {Server.Url.NodeId.ToString()[..8]}";

    /// <summary>
    /// Reads the share's header, URI extension block and hash trees, and has the decoder check them.
    /// Throws <see cref="CorruptShareException"/> for a bad share, <see cref="StorageException"/> for a bad server.
    /// </summary>
    public static async Task<RemoteShare> OpenAsync(StorageGrid grid, StorageClient server, int share, ChkDecoder decoder, StorageIndex index, CancellationToken cancellationToken)
    {
        var headerBytes = await ReadAsync(grid, server, index, share, 0, ShareHeader.MaxSize, cancellationToken).ConfigureAwait(false);
        ShareHeader header;
        try
        {
            if (!ShareHeader.TryParse(headerBytes, out var parsed))
            {
                throw new CorruptShareException(share, "it is shorter than a share header");
            }

            header = parsed!;
        }
        catch (FormatException e)
        {
            throw new CorruptShareException(share, $"its header is unreadable ({e.Message})");
        }

        var extension = await ReadAsync(grid, server, index, share, header.UriExtensionOffset, header.UriExtensionLengthSize + UriExtension.MaxSerializedLength, cancellationToken).ConfigureAwait(false);
        if (extension.Length < header.UriExtensionLengthSize)
        {
            throw new CorruptShareException(share, "it ends before its URI extension block");
        }

        var length = header.UriExtensionLengthSize == 4 ? BinaryPrimitives.ReadUInt32BigEndian(extension) : BinaryPrimitives.ReadUInt64BigEndian(extension);
        if (length > UriExtension.MaxSerializedLength || header.UriExtensionLengthSize + (long)length > extension.Length)
        {
            throw new CorruptShareException(share, $"its URI extension block claims {length} bytes");
        }

        decoder.AcceptUriExtension(share, extension.AsSpan(header.UriExtensionLengthSize, (int)length));
        decoder.AcceptShareHeader(share, header);

        var trees = await ReadAsync(
            grid, server, index, share, header.CrypttextHashTreeOffset, (int)(header.UriExtensionOffset - header.CrypttextHashTreeOffset), cancellationToken).ConfigureAwait(false);
        if (trees.Length != header.UriExtensionOffset - header.CrypttextHashTreeOffset)
        {
            throw new CorruptShareException(share, "it is truncated inside its hash trees");
        }

        int At(long offset) => (int)(offset - header.CrypttextHashTreeOffset);
        decoder.AcceptCrypttextHashTree(share, trees.AsSpan(0, At(header.BlockHashesOffset)));
        decoder.AcceptShareHashes(share, trees.AsSpan(At(header.ShareHashesOffset), At(header.UriExtensionOffset) - At(header.ShareHashesOffset)), trees.AsSpan(At(header.BlockHashesOffset), At(header.ShareHashesOffset) - At(header.BlockHashesOffset)));
        return new RemoteShare(server, share, header);
    }

    /// <summary>The bytes the blocks of segments <c>[first, first + count)</c> take, back to back.</summary>
    public static int BlocksLength(ChkParameters parameters, int first, int count) =>
        (int)(((long)(count - 1) * parameters.BlockSize) + parameters.BlockSizeOf(first + count - 1));

    /// <summary>Fetches the blocks of segments <c>[first, first + count)</c>, back to back, into the start of <paramref name="destination"/>.</summary>
    public async Task ReadBlocksAsync(StorageGrid grid, StorageIndex index, ChkParameters parameters, int first, int count, byte[] destination, CancellationToken cancellationToken)
    {
        var length = BlocksLength(parameters, first, count);
        var read = await grid.WithDeadlineAsync(
            Server, ct => Server.ReadAsync(index, Share, Header.BlockOffset(first), destination.AsMemory(0, length), ct), cancellationToken).ConfigureAwait(false);
        if (read != length)
        {
            throw new CorruptShareException(Share, $"it is truncated before the end of segment {first + count - 1}'s block");
        }
    }

    private static async Task<byte[]> ReadAsync(StorageGrid grid, StorageClient server, StorageIndex index, int share, long offset, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[length];
        var read = await grid.WithDeadlineAsync(server, ct => server.ReadAsync(index, share, offset, buffer, ct), cancellationToken).ConfigureAwait(false);
        return read == length ? buffer : buffer[..read];
    }
}
