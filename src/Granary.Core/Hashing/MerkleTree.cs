using System.Globalization;

namespace Granary.Core.Hashing;

/// <summary>
/// Tahoe-LAFS's binary hash tree. Leaves are padded to a power of two with
/// <c>H("Merkle tree empty leaf", position)</c>, parents are <c>H2("Merkle tree internal node", left, right)</c>.
/// Nodes are kept breadth-first as Tahoe stores them: the root at index 0, the children of node i
/// at 2i+1 and 2i+2, leaf j at <c>Width - 1 + j</c>.
/// </summary>
public sealed class MerkleTree
{
    private const int HashSize = Sha256d.HashSize;
    private readonly byte[] _nodes;

    private MerkleTree(byte[] nodes, int leafCount, int width)
    {
        _nodes = nodes;
        LeafCount = leafCount;
        Width = width;
    }

    /// <summary>Leaves the tree was built from, before padding.</summary>
    public int LeafCount { get; }

    /// <summary>Leaves after padding: the smallest power of two at least <see cref="LeafCount"/>.</summary>
    public int Width { get; }

    public int NodeCount => 2 * Width - 1;

    public ReadOnlySpan<byte> Root => GetNode(0);

    /// <summary>All nodes, breadth-first, 32 bytes each: the form a share stores a hash tree in.</summary>
    public ReadOnlySpan<byte> Nodes => _nodes;

    public ReadOnlySpan<byte> GetNode(int index) => _nodes.AsSpan(index * HashSize, HashSize);

    public ReadOnlySpan<byte> GetLeaf(int leaf) => GetNode(Width - 1 + leaf);

    public static int WidthFor(int leafCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(leafCount, 1);
        return (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)leafCount);
    }

    public static int NodeCountFor(int leafCount) => 2 * WidthFor(leafCount) - 1;

    /// <summary>Builds the tree over <paramref name="leafHashes"/>, 32 bytes per leaf, at least one leaf.</summary>
    public static MerkleTree Build(ReadOnlySpan<byte> leafHashes)
    {
        if (leafHashes.Length == 0 || leafHashes.Length % HashSize != 0)
        {
            throw new ArgumentException("A hash tree needs one or more 32-byte leaves.", nameof(leafHashes));
        }

        var leafCount = leafHashes.Length / HashSize;
        var width = WidthFor(leafCount);
        var nodes = new byte[(2 * width - 1) * HashSize];
        var firstLeaf = width - 1;
        leafHashes.CopyTo(nodes.AsSpan(firstLeaf * HashSize));
        for (var i = leafCount; i < width; i++)
        {
            EmptyLeaf(i, nodes.AsSpan((firstLeaf + i) * HashSize, HashSize));
        }

        for (var i = firstLeaf - 1; i >= 0; i--)
        {
            HashTag.MerkleInternalNode.HashPair(
                nodes.AsSpan((2 * i + 1) * HashSize, HashSize),
                nodes.AsSpan((2 * i + 2) * HashSize, HashSize),
                nodes.AsSpan(i * HashSize, HashSize));
        }

        return new MerkleTree(nodes, leafCount, width);
    }

    /// <summary>The hash standing in for the missing leaf at <paramref name="position"/>.</summary>
    public static void EmptyLeaf(int position, Span<byte> destination)
    {
        Span<byte> digits = stackalloc byte[11];
        position.TryFormat(digits, out var length, provider: CultureInfo.InvariantCulture);
        HashTag.MerkleEmptyLeaf.Hash(digits[..length], destination);
    }

    /// <summary>
    /// The node indices a verifier needs, beside the root it trusts, to check leaf
    /// <paramref name="leaf"/>: the sibling of every node on the path up, optionally the leaf itself.
    /// Ascending, as Tahoe's <c>needed_hashes</c> lists them.
    /// </summary>
    public static int[] NeededHashes(int leaf, int leafCount, bool includeLeaf)
    {
        var width = WidthFor(leafCount);
        ArgumentOutOfRangeException.ThrowIfNegative(leaf);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leaf, leafCount);
        var needed = new List<int>();
        var node = width - 1 + leaf;
        if (includeLeaf)
        {
            needed.Add(node);
        }

        while (node > 0)
        {
            needed.Add(node % 2 == 1 ? node + 1 : node - 1);
            node = (node - 1) / 2;
        }

        needed.Sort();
        return [.. needed];
    }

    /// <summary>
    /// Recomputes the root from a leaf hash and the sibling hashes along its path.
    /// Returns false when a sibling is missing from <paramref name="nodes"/>.
    /// </summary>
    public static bool TryComputeRoot(
        int leaf, int leafCount, ReadOnlySpan<byte> leafHash, IReadOnlyDictionary<int, byte[]> nodes, Span<byte> root)
    {
        var node = WidthFor(leafCount) - 1 + leaf;
        Span<byte> current = stackalloc byte[HashSize];
        leafHash.CopyTo(current);
        while (node > 0)
        {
            var isLeft = node % 2 == 1;
            if (!nodes.TryGetValue(isLeft ? node + 1 : node - 1, out var sibling) || sibling.Length != HashSize)
            {
                return false;
            }

            if (isLeft)
            {
                HashTag.MerkleInternalNode.HashPair(current, sibling, current);
            }
            else
            {
                HashTag.MerkleInternalNode.HashPair(sibling, current, current);
            }

            node = (node - 1) / 2;
        }

        current.CopyTo(root);
        return true;
    }
}
