using Granary.Core.Caps;

namespace Granary.Core.Tests.Caps;

public class CapTests
{
    private const string ReadCap = "URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56";
    private const string VerifyCap = "URI:CHK-Verifier:5mwuz5yxisqrnhtrsljs7wkyb4:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56";

    [Theory]
    [InlineData(ReadCap)]
    [InlineData(VerifyCap)]
    [InlineData("URI:LIT:nbswy3dp")]
    [InlineData("URI:LIT:")]
    public void Parsing_and_formatting_round_trip(string text)
    {
        Assert.Equal(text, Cap.Parse(text).ToString());
    }

    [Fact]
    public void A_read_cap_exposes_its_fields_and_derives_its_verify_cap()
    {
        var cap = Assert.IsType<ChkReadCap>(Cap.Parse(ReadCap));
        Assert.Equal((3, 10, 56L), (cap.K, cap.N, cap.Size));
        Assert.Equal("380ff65ec57c08c67d0219f67b481d28", Hex.Of(cap.Key));
        Assert.Equal(VerifyCap, cap.VerifyCap.ToString());
        Assert.Equal(Cap.Parse(VerifyCap), cap.VerifyCap);
    }

    [Fact]
    public void Surrounding_whitespace_is_ignored()
    {
        Assert.Equal(ReadCap, Cap.Parse($"  {ReadCap}\n").ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("hello", "caps start with 'URI:'")]
    [InlineData("URI:FOO:abc:def", "'URI:FOO' caps are not supported")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:3:10:56", "5 fields")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5f:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56", "key is 25 characters")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fb:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56", "non-zero unused bits")]
    [InlineData("URI:CHK:HAH7MXWFPQEMM7ICDH3HWSA5FA:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56", "upper case")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3r:3:10:56", "UEB hash is not valid")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:x:10:56", "k (shares needed) 'x' is not a decimal number")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:0:10:56", "at least 1")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:11:10:56", "k (11) exceeds its n (10)")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:257:56", "too large")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:056", "leading zero")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:-5", "not a decimal number")]
    [InlineData("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:99999999999999999999", "too large")]
    [InlineData("URI:CHK-Verifier:5mwuz5yxisqrnhtrsljs7wkyb4:3:10:56", "5 fields")]
    [InlineData("URI:LIT:nbswy3d!", "not a base32 character")]
    public void Malformed_caps_are_rejected_with_a_reason(string text, string reason)
    {
        var error = Assert.Throws<CapFormatException>(() => Cap.Parse(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_reports_the_reason_without_throwing()
    {
        Assert.False(Cap.TryParse("URI:CHK:x", out var cap, out var error));
        Assert.Null(cap);
        Assert.Contains("5 fields", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Storage_indexes_parse_and_reject_bad_text()
    {
        Assert.Equal("5mwuz5yxisqrnhtrsljs7wkyb4", StorageIndex.Parse("5mwuz5yxisqrnhtrsljs7wkyb4").ToString());
        Assert.False(StorageIndex.TryParse("5mwuz5yxisqrnhtrsljs7wkyb", out _, out var error));
        Assert.Contains("26 base32 characters", error, StringComparison.Ordinal);
        Assert.False(StorageIndex.TryParse("5mwuz5yxisqrnhtrsljs7wkyb!", out _, out _));
    }
}
