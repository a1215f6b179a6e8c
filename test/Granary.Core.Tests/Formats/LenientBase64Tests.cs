using Granary.Core.Formats;

namespace Granary.Core.Tests.Formats;

public sealed class LenientBase64Tests
{
    [Theory]
    [InlineData("AAEC", "000102")]
    [InlineData("AAE=", "0001")]
    [InlineData("AA==", "00")]
    [InlineData("AA\n=\n=", "00")]
    [InlineData("A!A*E@C", "000102")] // characters outside the alphabet are skipped
    [InlineData("AAE=garbage", "0001")] // a pad ends the input
    [InlineData("AA=E=", "0001")] // a lone pad after two characters is skipped when no pad follows
    [InlineData("", "")]
    public void Lenient_base64_decodes_as_python_did(string text, string hex)
    {
        Assert.True(LenientBase64.TryDecode(text, out var bytes), text);
        Assert.Equal(hex, Convert.ToHexStringLower(bytes));
    }

    [Theory]
    [InlineData("A")]
    [InlineData("AAE")]
    [InlineData("AA")]
    [InlineData("AA=")]
    [InlineData("AAEC\u00e9")]
    public void Lenient_base64_refuses_bad_padding_and_non_ascii(string text) => Assert.False(LenientBase64.TryDecode(text, out _), text);
}
