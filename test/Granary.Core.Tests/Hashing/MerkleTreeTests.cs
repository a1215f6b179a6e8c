using Granary.Core.Hashing;

namespace Granary.Core.Tests.Hashing;

public class MerkleTreeTests
{
    private static byte[] Leaves(int count, int seed)
    {
        var leaves = new byte[count * 32];
        new Random(seed).NextBytes(leaves);
        return leaves;
    }

    [Fact]
    public void A_one_leaf_tree_is_its_leaf()
    {
        var leaf = Leaves(1, 1);
        var tree = MerkleTree.Build(leaf);
        Assert.Equal(leaf, tree.Root.ToArray());
        Assert.Equal(1, tree.NodeCount);
    }

    [Fact]
    public void Three_leaves_get_one_filler_at_position_3()
    {
        var leaves = Leaves(3, 2);
        var filler = new byte[32];
        MerkleTree.EmptyLeaf(3, filler);
        var left = HashTag.MerkleInternalNode.HashPair(leaves.AsSpan(0, 32), leaves.AsSpan(32, 32));
        var right = HashTag.MerkleInternalNode.HashPair(leaves.AsSpan(64, 32), filler);
        var tree = MerkleTree.Build(leaves);
        Assert.Equal(HashTag.MerkleInternalNode.HashPair(left, right), tree.Root.ToArray());
        Assert.Equal(4, tree.Width);
        Assert.Equal(filler, tree.GetLeaf(3).ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(16)]
    [InlineData(33)]
    public void Needed_hashes_prove_every_leaf_against_the_root(int leafCount)
    {
        var tree = MerkleTree.Build(Leaves(leafCount, leafCount));
        for (var leaf = 0; leaf < leafCount; leaf++)
        {
            var needed = MerkleTree.NeededHashes(leaf, leafCount, includeLeaf: false);
            Assert.Equal(System.Numerics.BitOperations.Log2((uint)tree.Width), needed.Length);
            var nodes = needed.ToDictionary(i => i, i => tree.GetNode(i).ToArray());
            var root = new byte[32];
            Assert.True(MerkleTree.TryComputeRoot(leaf, leafCount, tree.GetLeaf(leaf), nodes, root));
            Assert.Equal(tree.Root.ToArray(), root);

            var wrongLeaf = tree.GetLeaf(leaf).ToArray();
            wrongLeaf[0] ^= 1;
            MerkleTree.TryComputeRoot(leaf, leafCount, wrongLeaf, nodes, root);
            Assert.NotEqual(tree.Root.ToArray(), root);
        }
    }

    [Fact]
    public void Needed_hashes_include_the_leaf_node_when_asked_and_are_ascending()
    {
        // 10 leaves pad to 16: leaf 3 is node 18; path siblings are 17, 7, 4, 2.
        Assert.Equal([2, 4, 7, 17, 18], MerkleTree.NeededHashes(3, 10, includeLeaf: true));
    }

    [Fact]
    public void Computing_a_root_without_a_needed_sibling_fails()
    {
        var tree = MerkleTree.Build(Leaves(4, 4));
        var root = new byte[32];
        Assert.False(MerkleTree.TryComputeRoot(0, 4, tree.GetLeaf(0), new Dictionary<int, byte[]>(), root));
    }
}
