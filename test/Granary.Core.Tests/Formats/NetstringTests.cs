using Granary.Core.Formats;

namespace Granary.Core.Tests.Formats;

public class NetstringTests
{
    [Theory]
    [InlineData("", "0:,")]
    [InlineData("abc", "3:abc,")]
    [InlineData("0123456789", "10:0123456789,")]
    public void Encode_frames_the_value_with_its_decimal_length(string value, string expected)
    {
        var encoded = Netstring.Encode(System.Text.Encoding.ASCII.GetBytes(value));
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(encoded));
        Assert.Equal(encoded.Length, Netstring.GetEncodedLength(value.Length));
    }

    [Fact]
    public void TryRead_returns_the_value_and_what_it_consumed()
    {
        Assert.True(Netstring.TryRead("3:abc,rest"u8, out var value, out var consumed));
        Assert.Equal("abc"u8.ToArray(), value.ToArray());
        Assert.Equal(6, consumed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("3")]
    [InlineData("3:ab")]
    [InlineData("3:abc")]
    public void TryRead_reports_incomplete_input_as_false(string input)
    {
        Assert.False(Netstring.TryRead(System.Text.Encoding.ASCII.GetBytes(input), out _, out _));
    }

    [Theory]
    [InlineData("x:abc,")]
    [InlineData(":abc,")]
    [InlineData("03:abc,")]
    [InlineData("3:abcd")]
    [InlineData("99999999999:")]
    public void TryRead_rejects_malformed_input(string input)
    {
        Assert.Throws<FormatException>(() => Netstring.TryRead(System.Text.Encoding.ASCII.GetBytes(input), out _, out _));
    }
}
