using Granary.Core.Erasure;

namespace Granary.Core.Tests.Erasure;

public class ReedSolomonCodecTests
{
    private static string Rows(ReedSolomonCodec codec) =>
        string.Join(" ", Enumerable.Range(0, codec.N).Select(r => Hex.Of(codec.EncodingRow(r))));

    [Fact]
    public void Two_of_three_matrix_matches_the_spec()
    {
        Assert.Equal("0100 0001 0302", Rows(new ReedSolomonCodec(2, 3)));
    }

    [Fact]
    public void Three_of_ten_matrix_matches_the_spec()
    {
        Assert.Equal(
            "010000 000100 000001 0f0806 2d301c 99e078 0be7ed 893bb3 46f1b6 bad962",
            Rows(new ReedSolomonCodec(3, 10)));
    }

    [Fact]
    public void One_of_n_is_replication()
    {
        var codec = new ReedSolomonCodec(1, 5);
        var data = Hex.Bytes("deadbeef");
        var parity = new byte[16];
        codec.Encode(data, parity, 4);
        Assert.Equal(Hex.Bytes("deadbeef deadbeef deadbeef deadbeef"), parity);
    }

    [Fact]
    public void Encodes_the_spec_example_parity_blocks()
    {
        // chk-format §13.1: the three 19-byte pieces of the padded ciphertext and blocks 3..9.
        var data = Hex.Bytes(
            "69a274f9768a1a437fd51b13cb402d0b0b1bbd" +
            "d69414c91e9cc8f33de0b1117243a0d341b5a3" +
            "f045bb524b5bf6b200329a8a5eaac154f3c700");
        var parity = new byte[7 * 19];
        new ReedSolomonCodec(3, 10).Encode(data, parity, 19);
        Assert.Equal(
            "8967cbb99fe696b64a080372331e635a4bf0e4" +
            "af6de755cf39269c1e4a37f43d9aa73205f5f7" +
            "945ca80cdc40864091163354566c7c2f154eee" +
            "23aa6af40cfd88ff0ee996f74136f2063fdb20" +
            "73319e2c4ebbc5f4670b4f734c146718433376" +
            "5fafc25511b3065f80d6e23dda323a091ba5a1" +
            "0d60e4d0e489e4da8761add0e1eb359f11e5e3",
            Hex.Of(parity));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 4)]
    [InlineData(2, 3)]
    [InlineData(3, 6)]
    [InlineData(4, 7)]
    [InlineData(5, 5)]
    [InlineData(3, 10)]
    public void Decodes_from_every_k_subset_of_shares(int k, int n)
    {
        var (codec, all, blockLength) = Encoded(k, n, seed: k * 100 + n);
        foreach (var subset in ErasurePatternTests.Subsets(n, k))
        {
            AssertDecodes(codec, all, blockLength, subset);
        }
    }

    [Theory]
    [InlineData(3, 10)]
    [InlineData(10, 20)]
    [InlineData(50, 256)]
    public void Decodes_from_parity_shares_alone(int k, int n)
    {
        var (codec, all, blockLength) = Encoded(k, n, seed: n);
        AssertDecodes(codec, all, blockLength, Enumerable.Range(n - k, k).Reverse().ToArray());
    }

    [Fact]
    public void Decodes_101_of_256_from_random_subsets()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var (codec, all, blockLength) = Encoded(101, 256, seed);
        for (var trial = 0; trial < 5; trial++)
        {
            var subset = Enumerable.Range(0, 256).OrderBy(_ => random.Next()).Take(101).ToArray();
            AssertDecodes(codec, all, blockLength, subset, $"seed {seed}");
        }
    }

    [Fact]
    public void Rejects_bad_shapes_and_share_lists()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomonCodec(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomonCodec(4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomonCodec(3, 257));
        var codec = new ReedSolomonCodec(2, 4);
        var blocks = new byte[8];
        var data = new byte[8];
        Assert.Throws<ArgumentException>(() => codec.Decode([1, 1], blocks, data, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => codec.Decode([0, 4], blocks, data, 4));
        Assert.Throws<ArgumentException>(() => codec.Decode([0], blocks, data, 4));
    }

    private static (ReedSolomonCodec Codec, byte[] AllBlocks, int BlockLength) Encoded(int k, int n, int seed)
    {
        const int blockLength = 37;
        var codec = new ReedSolomonCodec(k, n);
        var all = new byte[n * blockLength];
        new Random(seed).NextBytes(all.AsSpan(0, k * blockLength));
        codec.Encode(all.AsSpan(0, k * blockLength), all.AsSpan(k * blockLength), blockLength);
        return (codec, all, blockLength);
    }

    private static void AssertDecodes(ReedSolomonCodec codec, byte[] all, int blockLength, int[] shares, string context = "")
    {
        var blocks = new byte[shares.Length * blockLength];
        for (var i = 0; i < shares.Length; i++)
        {
            all.AsSpan(shares[i] * blockLength, blockLength).CopyTo(blocks.AsSpan(i * blockLength));
        }

        var data = new byte[codec.K * blockLength];
        codec.Decode(shares, blocks, data, blockLength);
        Assert.True(
            data.AsSpan().SequenceEqual(all.AsSpan(0, codec.K * blockLength)),
            $"decoding from shares [{string.Join(",", shares)}] of {codec.K}-of-{codec.N} failed {context}");
    }

}
