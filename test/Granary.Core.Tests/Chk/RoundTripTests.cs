using Granary.Core.Chk;
using Granary.Testing;

namespace Granary.Core.Tests.Chk;

public class RoundTripTests
{
    private static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(56)]
    [InlineData(57)]
    [InlineData(58)]
    [InlineData(1001)]
    [InlineData(1002)]
    [InlineData(1003)]
    [InlineData(2004)]
    [InlineData(2005)]
    [InlineData(10_000)]
    public async Task Sizes_around_segment_boundaries_decode_from_random_shares(int size)
    {
        var seed = size * 31 + Environment.TickCount % 1000;
        var random = new Random(seed);
        var plaintext = RandomBytes(size, seed);
        var file = await EncodedFile.CreateAsync(plaintext, new EncodingParameters(3, 10, 1000));
        for (var trial = 0; trial < 3; trial++)
        {
            var shares = Enumerable.Range(0, 10).OrderBy(_ => random.Next()).Take(3).ToArray();
            Assert.True(plaintext.AsSpan().SequenceEqual(file.Decode(shares)), $"seed {seed}, shares {string.Join(",", shares)}");
        }
    }

    [Fact]
    public async Task Random_sizes_and_parameters_round_trip()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        for (var trial = 0; trial < 25; trial++)
        {
            var n = random.Next(1, 20);
            var k = random.Next(1, n + 1);
            var maxSegment = random.Next(1, 5000);
            var size = random.Next(56, 20_000);
            var plaintext = RandomBytes(size, random.Next());
            var file = await EncodedFile.CreateAsync(plaintext, new EncodingParameters(k, n, maxSegment));
            var shares = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(k).ToArray();
            Assert.True(
                plaintext.AsSpan().SequenceEqual(file.Decode(shares)),
                $"seed {seed}: {k}-of-{n}, maxseg {maxSegment}, {size} bytes, shares {string.Join(",", shares)}");
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 4)]
    [InlineData(5, 5)]
    [InlineData(3, 256)]
    [InlineData(101, 256)]
    [InlineData(256, 256)]
    public async Task Extreme_shapes_round_trip(int k, int n)
    {
        var plaintext = RandomBytes(5000, k + n);
        var file = await EncodedFile.CreateAsync(plaintext, new EncodingParameters(k, n, 1024));
        var shares = Enumerable.Range(n - k, k).ToArray();
        Assert.Equal(plaintext, file.Decode(shares));
    }

    [Fact]
    public async Task Decoding_from_the_parity_shares_alone_works()
    {
        var plaintext = RandomBytes(12_345, 5);
        var file = await EncodedFile.CreateAsync(plaintext, new EncodingParameters(3, 10, 4096));
        Assert.Equal(plaintext, file.Decode([9, 7, 8]));
    }

    [Fact]
    public async Task Every_three_shares_of_ten_decode()
    {
        var plaintext = RandomBytes(3000, 6);
        var file = await EncodedFile.CreateAsync(plaintext, new EncodingParameters(3, 10, 1000));
        for (var a = 0; a < 10; a++)
        {
            for (var b = a + 1; b < 10; b++)
            {
                for (var c = b + 1; c < 10; c++)
                {
                    Assert.Equal(plaintext, file.Decode([a, b, c]));
                }
            }
        }
    }

    [Fact]
    public async Task Shares_are_exactly_the_size_the_header_predicts()
    {
        var file = await EncodedFile.CreateAsync(RandomBytes(5000, 8), new EncodingParameters(3, 10, 1000));
        Assert.All(file.Shares, share => Assert.Equal(file.Encoding.ShareSize, share.Length));
        Assert.Equal(file.Encoding.UriExtensionBytes.Length, UriExtension.SerializedLength(file.Encoding.Parameters));
    }

    [Fact]
    public async Task The_same_plaintext_and_secret_converge_to_the_same_cap_and_a_different_secret_does_not()
    {
        var plaintext = RandomBytes(500, 9);
        var a = await EncodedFile.CreateAsync(plaintext, EncodingParameters.Default, new byte[32]);
        var b = await EncodedFile.CreateAsync(plaintext, EncodingParameters.Default, new byte[32]);
        var c = await EncodedFile.CreateAsync(plaintext, EncodingParameters.Default, Enumerable.Repeat((byte)1, 32).ToArray());
        Assert.Equal(a.Cap, b.Cap);
        Assert.NotEqual(a.Cap, c.Cap);
    }
}
