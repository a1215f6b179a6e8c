using System.Text;
using Granary.Core.Formats;
using Granary.Core.Hashing;

namespace Granary.Core.Tests.Identity;

public class HashAndEncodingTests
{
    [Theory]
    [InlineData("", "9c1185a5c5e9fc54612808977ee8f548b2258d31")]
    [InlineData("a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe")]
    [InlineData("abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc")]
    [InlineData("message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "f71c27109c692c1b56bbdceb5b9d2865b3708dbc")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "12a053384a9c0c88e405a06c27dcf49ada62eb2b")]
    public void Ripemd160_matches_the_published_vectors(string input, string expected)
    {
        Assert.Equal(expected, Hex.Of(Ripemd160.Hash(Encoding.ASCII.GetBytes(input))));
    }

    [Fact]
    public void Ripemd160_of_a_million_a_matches()
    {
        Assert.Equal("52783243c1697bdbe16d37f97f68f08325dc1528", Hex.Of(Ripemd160.Hash(Enumerable.Repeat((byte)'a', 1_000_000).ToArray())));
    }

    [Fact]
    public void Base58_keeps_leading_zero_bytes_and_round_trips()
    {
        var random = new Random(58);
        for (var length = 0; length < 80; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            if (length > 2)
            {
                data[0] = 0;
                data[1] = 0;
            }

            Assert.True(Base58.TryDecode(Base58.Encode(data), out var back, out _));
            Assert.Equal(data, back);
        }

        Assert.Equal("11", Base58.Encode([0, 0]));
    }

    [Fact]
    public void Base58Check_rejects_a_changed_character_by_checksum()
    {
        var text = Base58.EncodeCheck([0, 1, 2, 3, 4, 5]);
        var changed = text[..^1] + (text[^1] == 'a' ? 'b' : 'a');
        Assert.False(Base58.TryDecodeCheck(changed, out _, out var error));
        Assert.Contains("checksum", error, StringComparison.Ordinal);
    }
}
