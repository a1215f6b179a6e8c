using System.Buffers;
using System.Runtime.InteropServices;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// Answers an audit from a stored immutable share: reads its header for the offsets, then each
/// asked-for block (one read each), the block-tree nodes that prove them (a read per run of
/// adjacent nodes, 32 bytes a node) and the share hashes (one small read). It never reads the
/// whole share or tree, and verifies nothing: the auditor does that against the verify cap, so a
/// storage node needs no cap to answer.
/// </summary>
public static class ShareProver
{
    private const int HashSize = Sha256d.HashSize;
    private const int MaxShareHashes = 9;

    /// <summary>
    /// The proof of blocks <paramref name="blocks"/> (distinct, 1 to <see cref="ShareProof.MaxBlocks"/>) of
    /// share <paramref name="share"/>, or null when one of them is past the share's last block. A share
    /// whose header or length cannot be proved from is a <see cref="CorruptShareException"/>.
    /// </summary>
    public static Task<ShareProof?> ProveAsync(int share, ShareRangeReader read, IReadOnlyList<int> blocks, CancellationToken cancellationToken) =>
        ProveAsync(share, read, blocks, null, cancellationToken);

    /// <summary>
    /// As <see cref="ProveAsync(int, ShareRangeReader, IReadOnlyList{int}, CancellationToken)"/>, with the
    /// blocks read into arrays from <paramref name="pool"/> (a server answering many audits of large
    /// blocks); hand them back with <see cref="Return"/> once the proof is sent.
    /// </summary>
    public static async Task<ShareProof?> ProveAsync(int share, ShareRangeReader read, IReadOnlyList<int> blocks, ArrayPool<byte>? pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (blocks is not { Count: > 0 and <= ShareProof.MaxBlocks } || blocks.Distinct().Count() != blocks.Count || blocks.Any(b => b < 0))
        {
            throw new ArgumentException($"A proof covers 1 to {ShareProof.MaxBlocks} distinct blocks.", nameof(blocks));
        }

        var headerBytes = new byte[ShareHeader.MaxSize];
        var got = await read(0, headerBytes, cancellationToken).ConfigureAwait(false);
        var header = Parse(share, headerBytes.AsSpan(0, got));
        if (header.BlockSize is <= 0 or > int.MaxValue || header.DataSize <= 0 || (header.DataSize + header.BlockSize - 1) / header.BlockSize > ChkParameters.MaxSegments)
        {
            throw new CorruptShareException(share, "its header gives no usable block layout");
        }

        var segmentCount = (int)((header.DataSize + header.BlockSize - 1) / header.BlockSize);
        var treeBytes = (long)MerkleTree.NodeCountFor(segmentCount) * HashSize;
        var shareHashBytes = header.UriExtensionOffset - header.ShareHashesOffset;
        if (header.BlockHashesOffset + treeBytes > header.ShareHashesOffset
            || shareHashBytes % ShareHeader.ShareHashEntrySize != 0 || shareHashBytes / ShareHeader.ShareHashEntrySize > MaxShareHashes)
        {
            throw new CorruptShareException(share, "its header's hash-tree offsets do not fit its block layout");
        }

        var sorted = blocks.Order().ToArray();
        if (sorted[^1] >= segmentCount)
        {
            return null;
        }

        var proven = new ProvenBlock[sorted.Length];
        try
        {
            for (var i = 0; i < sorted.Length; i++)
            {
                var segment = sorted[i];
                var length = (int)(segment == segmentCount - 1 ? header.DataSize - ((long)segment * header.BlockSize) : header.BlockSize);
                var data = pool?.Rent(length).AsMemory(0, length) ?? new byte[length];
                proven[i] = new ProvenBlock(segment, data);
                await ReadExactlyAsync(share, read, data, header.BlockOffset(segment), cancellationToken).ConfigureAwait(false);
            }
        }
        catch when (pool is not null)
        {
            ReturnBlocks(proven, pool);
            throw;
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
            await ReadExactlyAsync(share, read, run, header.BlockHashesOffset + ((long)needed[start] * HashSize), cancellationToken).ConfigureAwait(false);
            for (var i = start; i < end; i++)
            {
                nodes[i] = new BlockTreeNode(needed[i], run.AsMemory((i - start) * HashSize, HashSize));
            }

            start = end;
        }

        var shareHashes = new byte[shareHashBytes];
        await ReadExactlyAsync(share, read, shareHashes, header.ShareHashesOffset, cancellationToken).ConfigureAwait(false);
        return new ShareProof(proven, nodes, shareHashes);
    }

    /// <summary>Hands the blocks of a proof made with <paramref name="pool"/> back to it; the proof is unusable afterwards.</summary>
    public static void Return(ShareProof proof, ArrayPool<byte> pool)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ReturnBlocks(proof.Blocks, pool);
    }

    private static void ReturnBlocks(IEnumerable<ProvenBlock?> blocks, ArrayPool<byte> pool)
    {
        foreach (var block in blocks)
        {
            if (block is not null && MemoryMarshal.TryGetArray(block.Data, out var array))
            {
                pool.Return(array.Array!);
            }
        }
    }

    private static ShareHeader Parse(int share, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return ShareHeader.TryParse(bytes, out var header) ? header! : throw new CorruptShareException(share, "it is shorter than a share header");
        }
        catch (FormatException e)
        {
            throw new CorruptShareException(share, $"its header is unreadable ({e.Message})");
        }
    }

    private static async Task ReadExactlyAsync(int share, ShareRangeReader read, Memory<byte> destination, long offset, CancellationToken cancellationToken)
    {
        if (destination.Length > 0 && await read(offset, destination, cancellationToken).ConfigureAwait(false) != destination.Length)
        {
            throw new CorruptShareException(share, "it ends before the bytes its header promises");
        }
    }
}
