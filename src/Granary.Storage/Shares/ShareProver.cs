using Granary.Core.Chk;
using Granary.Core.Hashing;
using Granary.Storage.Http;

namespace Granary.Storage.Shares;

/// <summary>
/// Answers an audit from a stored immutable share: reads its header for the offsets, then each
/// asked-for block (one read each), the block-tree nodes that prove them (a read per run of
/// adjacent nodes, 32 bytes a node) and the share hashes (one small read). It never reads the
/// whole share or tree, and verifies nothing: the auditor does that against the verify cap.
/// </summary>
internal static class ShareProver
{
    private const int HashSize = Sha256d.HashSize;
    private const int MaxShareHashes = 9;

    public static async Task<ShareProof> ProveAsync(string path, IReadOnlyList<int> blocks, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous);
        var headerBytes = new byte[ShareHeader.MaxSize];
        var got = await ReadAsync(handle, headerBytes, 0, cancellationToken).ConfigureAwait(false);
        var header = Parse(headerBytes.AsSpan(0, got));
        if (header.BlockSize <= 0 || header.DataSize <= 0 || (header.DataSize + header.BlockSize - 1) / header.BlockSize > ChkParameters.MaxSegments || header.BlockSize > int.MaxValue)
        {
            throw Damaged("its header gives no usable block layout");
        }

        var segmentCount = (int)((header.DataSize + header.BlockSize - 1) / header.BlockSize);
        var treeBytes = (long)MerkleTree.NodeCountFor(segmentCount) * HashSize;
        var shareHashBytes = header.UriExtensionOffset - header.ShareHashesOffset;
        if (header.BlockHashesOffset + treeBytes > header.ShareHashesOffset
            || shareHashBytes % ShareHeader.ShareHashEntrySize != 0 || shareHashBytes / ShareHeader.ShareHashEntrySize > MaxShareHashes)
        {
            throw Damaged("its header's hash-tree offsets do not fit its block layout");
        }

        var sorted = blocks.Order().ToArray();
        if (sorted[^1] >= segmentCount)
        {
            throw new ProblemException(416, $"block {sorted[^1]} is past the share's {segmentCount} blocks");
        }

        var proven = new ProvenBlock[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            var segment = sorted[i];
            var length = segment == segmentCount - 1 ? header.DataSize - ((long)segment * header.BlockSize) : header.BlockSize;
            var data = new byte[length];
            await ReadExactlyAsync(handle, data, header.BlockOffset(segment), cancellationToken).ConfigureAwait(false);
            proven[i] = new ProvenBlock(segment, data);
        }

        var needed = ShareProof.NeededTreeNodes(sorted, segmentCount);
        var nodes = new BlockTreeNode[needed.Length];
        for (var start = 0; start < needed.Length;)
        {
            var end = start + 1;
            while (end < needed.Length && needed[end] == needed[end - 1] + 1)
            {
                end++;
            }

            var run = new byte[(end - start) * HashSize];
            await ReadExactlyAsync(handle, run, header.BlockHashesOffset + ((long)needed[start] * HashSize), cancellationToken).ConfigureAwait(false);
            for (var i = start; i < end; i++)
            {
                nodes[i] = new BlockTreeNode(needed[i], run.AsMemory((i - start) * HashSize, HashSize));
            }

            start = end;
        }

        var shareHashes = new byte[shareHashBytes];
        await ReadExactlyAsync(handle, shareHashes, header.ShareHashesOffset, cancellationToken).ConfigureAwait(false);
        return new ShareProof(proven, nodes, shareHashes);
    }

    private static ShareHeader Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return ShareHeader.TryParse(bytes, out var header) ? header! : throw Damaged("it is shorter than a share header");
        }
        catch (FormatException e)
        {
            throw Damaged($"its header is unreadable ({e.Message})");
        }
    }

    private static async Task ReadExactlyAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Memory<byte> destination, long offset, CancellationToken cancellationToken)
    {
        if (await ReadAsync(handle, destination, offset, cancellationToken).ConfigureAwait(false) != destination.Length)
        {
            throw Damaged("it ends before the bytes its header promises");
        }
    }

    private static async Task<int> ReadAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Memory<byte> destination, long offset, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = await RandomAccess.ReadAsync(handle, destination[total..], offset + total, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    // The node cannot prove from what it holds; the auditor counts that as a failure like any other.
    private static ProblemException Damaged(string why) => new(409, $"this node's copy of the share cannot be proved from: {why}");
}
