using System.Buffers.Binary;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// The check that ties one share's block-tree root to the share root hash in the URI extension
/// block: the share hashes a share stores (Tahoe's <c>needed_hashes</c> of the share hash tree,
/// 2-byte node number and 32-byte hash each, ascending, the share's own leaf included) must be
/// exactly the nodes its path needs, its leaf must be the block-tree root, and the path must lead
/// to the root. A downloader and an auditor both rely on it.
/// </summary>
internal static class ShareHashChain
{
    /// <summary>Why the chain does not hold, in words that fit after "share N is corrupt:"; null when it holds.</summary>
    public static string? Problem(int share, int n, ReadOnlySpan<byte> entries, ReadOnlySpan<byte> blockTreeRoot, ReadOnlySpan<byte> shareRootHash)
    {
        var needed = MerkleTree.NeededHashes(share, n, includeLeaf: true);
        if (entries.Length != needed.Length * ShareHeader.ShareHashEntrySize)
        {
            return $"its share hash list has {entries.Length} bytes, not {needed.Length} entries";
        }

        var nodes = new Dictionary<int, byte[]>(needed.Length);
        for (var i = 0; i < needed.Length; i++)
        {
            var entry = entries.Slice(i * ShareHeader.ShareHashEntrySize, ShareHeader.ShareHashEntrySize);
            int node = BinaryPrimitives.ReadUInt16BigEndian(entry);
            if (node != needed[i])
            {
                return $"its share hash list has node {node} where node {needed[i]} belongs";
            }

            nodes[node] = entry[2..].ToArray();
        }

        if (!nodes[MerkleTree.WidthFor(n) - 1 + share].AsSpan().SequenceEqual(blockTreeRoot))
        {
            return "its block hash tree does not match its entry in the share hash tree";
        }

        Span<byte> root = stackalloc byte[Sha256d.HashSize];
        MerkleTree.TryComputeRoot(share, n, blockTreeRoot, nodes, root);
        return root.SequenceEqual(shareRootHash) ? null : "its share hashes do not lead to the share root hash in the URI extension block";
    }
}
