using Granary.Core.Formats;

namespace Granary.Core.Tests.Formats;

public class Base32Tests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("f", "my")]
    [InlineData("fo", "mzxq")]
    [InlineData("foo", "mzxw6")]
    [InlineData("foob", "mzxw6yq")]
    [InlineData("fooba", "mzxw6ytb")]
    [InlineData("foobar", "mzxw6ytboi")]
    public void Encodes_the_RFC_4648_vectors_in_lower_case_without_padding(string plain, string encoded)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(plain);
        Assert.Equal(encoded, Base32.Encode(bytes));
        Assert.Equal(bytes, Base32.Decode(encoded));
    }

    [Fact]
    public void Round_trips_every_length_up_to_64_bytes()
    {
        var random = new Random(32);
        for (var length = 0; length <= 64; length++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            var text = Base32.Encode(bytes);
            Assert.Equal(Base32.GetEncodedLength(length), text.Length);
            Assert.Equal(bytes, Base32.Decode(text));
        }
    }

    [Theory]
    [InlineData("MZXW6", "upper case")]
    [InlineData("mzx1", "not a base32 character")]
    [InlineData("mzxw6z", "not a possible base32 length")]
    [InlineData("mz", "non-zero unused bits")]
    public void Rejects_non_canonical_text_with_a_reason(string text, string reason)
    {
        Assert.False(Base32.TryDecode(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
