using Granary.Core.Hashing;

namespace Granary.Core.Tests.Hashing;

public class HashTagTests
{
    [Fact]
    public void Sha256d_of_nothing_matches_the_spec()
    {
        Assert.Equal("5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456", Hex.Of(Sha256d.Hash([])));
    }

    [Fact]
    public void Empty_leaf_hashes_match_the_spec()
    {
        var hash = new byte[32];
        MerkleTree.EmptyLeaf(0, hash);
        Assert.Equal("e0024730188e2de564a697cc2987407b24ae7eb6b880190c1a0337a5740e527a", Hex.Of(hash));
        MerkleTree.EmptyLeaf(3, hash);
        Assert.Equal("9ed59076b6bee6b75864630c3c20cff6934efe03a60a7fd28b69542fb13a68a3", Hex.Of(hash));
    }

    [Fact]
    public void Pair_hash_netstring_wraps_both_halves()
    {
        var left = new byte[32];
        var right = Enumerable.Repeat((byte)1, 32).ToArray();
        Assert.Equal(
            "6f306e3df9d2676a858a1b3dd8f00f5cea15e33c273598f0f370c169d4d2d81c",
            Hex.Of(HashTag.MerkleInternalNode.HashPair(left, right)));
    }

    [Fact]
    public void Incremental_hash_equals_one_shot_hash_and_resets_after_finishing()
    {
        var data = new byte[100_000];
        new Random(7).NextBytes(data);
        using var hasher = HashTag.Crypttext.CreateHasher();
        hasher.Append(data.AsSpan(0, 12_345));
        hasher.Append(data.AsSpan(12_345));
        Assert.Equal(HashTag.Crypttext.Hash(data), hasher.Finish());
        hasher.Append(data);
        Assert.Equal(HashTag.Crypttext.Hash(data), hasher.Finish());
    }
}
