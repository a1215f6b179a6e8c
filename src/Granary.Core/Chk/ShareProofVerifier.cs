using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// Judges a storage node's <see cref="ShareProof"/> for blocks an auditor chose, trusting nothing
/// but the URI extension block (which the auditor checked against the verify cap's hash). Each
/// block must be the one asked for, of its exact size, and hash (Tahoe's block tag) to its leaf;
/// each leaf's path must lead to one block-tree root; that root must be the share's entry in the
/// share hashes, which must lead to the UEB's share root hash. A proof carries exactly what the
/// challenge needs: a missing block, an extra one, or a tree node no challenged block needs fails.
/// </summary>
public static class ShareProofVerifier
{
    private const int HashSize = Sha256d.HashSize;

    /// <summary>Why <paramref name="proof"/> does not prove blocks <paramref name="challenged"/> of share <paramref name="share"/>; null when it does.</summary>
    public static string? Problem(UriExtension extension, int share, IReadOnlyCollection<int> challenged, ShareProof proof)
    {
        var p = extension.Parameters;
        if (share < 0 || share >= p.N)
        {
            return $"share {share} is outside the file's {p.N} shares";
        }

        var asked = new SortedSet<int>(challenged);
        if (asked.Count == 0 || asked.Min < 0 || asked.Max >= p.SegmentCount)
        {
            return $"the challenge names no block or one outside the file's {p.SegmentCount}";
        }

        var carried = new SortedSet<int>();
        foreach (var block in proof.Blocks)
        {
            if (!asked.Contains(block.Segment) || !carried.Add(block.Segment))
            {
                return $"the answer carries block {block.Segment}, which was not asked for (or twice)";
            }

            if (block.Data.Length != p.BlockSizeOf(block.Segment))
            {
                return $"block {block.Segment} is {block.Data.Length} bytes, not {p.BlockSizeOf(block.Segment)}";
            }
        }

        if (carried.Count != asked.Count)
        {
            asked.ExceptWith(carried);
            return $"block {asked.Min} was asked for and not sent";
        }

        var needed = new HashSet<int>(ShareProof.NeededTreeNodes(asked, p.SegmentCount));
        var nodes = new Dictionary<int, byte[]>(proof.TreeNodes.Count);
        foreach (var node in proof.TreeNodes)
        {
            if (!needed.Contains(node.Index) || !nodes.TryAdd(node.Index, node.Hash.ToArray()))
            {
                return $"the answer carries block-tree node {node.Index}, which no challenged block needs (or twice)";
            }
        }

        var firstLeaf = MerkleTree.WidthFor(p.SegmentCount) - 1;
        Span<byte> leaf = stackalloc byte[HashSize];
        Span<byte> root = stackalloc byte[HashSize];
        Span<byte> agreed = stackalloc byte[HashSize];
        var first = true;
        foreach (var block in proof.Blocks)
        {
            HashTag.Block.Hash(block.Data.Span, leaf);
            if (!nodes.TryGetValue(firstLeaf + block.Segment, out var stored) || !leaf.SequenceEqual(stored))
            {
                return $"block {block.Segment} does not hash to its leaf";
            }

            if (!MerkleTree.TryComputeRoot(block.Segment, p.SegmentCount, leaf, nodes, root))
            {
                return $"the proof path of block {block.Segment} lacks a node";
            }

            if (first)
            {
                root.CopyTo(agreed);
                first = false;
            }
            else if (!root.SequenceEqual(agreed))
            {
                return $"the proof path of block {block.Segment} leads to another block-tree root than block {proof.Blocks[0].Segment}'s";
            }
        }

        var chain = ShareHashChain.Problem(share, p.N, proof.ShareHashes.Span, agreed, extension.ShareRootHash);
        return chain is null ? null : $"proof path does not lead to the share root ({chain})";
    }
}
