using Granary.Core.Caps;
using Granary.Core.Mutable;

namespace Granary.Core.Tests.Mutable;

public class MutableCapParsingTests
{
    private const string Key = "fs6ul2fju2fvb2cfx7gt6ngycm";
    private const string Fingerprint = "hncpinwszbggrurbvuaaexnftk3j5wfr7473pj2g734mo2isxlbq";
    private const string Chk = "URI:CHK:yzxcoagbetwet65ltjpbqyli3m:6b7inuiha2xdtgqzd55i6aeggutnxzr6qfwpv2ep5xlln6pgef7a:1:1:56";

    [Theory]
    [InlineData("URI:SSK:", typeof(MutableWriteCap), MutableFormat.Sdmf)]
    [InlineData("URI:SSK-RO:", typeof(MutableReadCap), MutableFormat.Sdmf)]
    [InlineData("URI:SSK-Verifier:", typeof(MutableVerifyCap), MutableFormat.Sdmf)]
    [InlineData("URI:MDMF:", typeof(MutableWriteCap), MutableFormat.Mdmf)]
    [InlineData("URI:MDMF-RO:", typeof(MutableReadCap), MutableFormat.Mdmf)]
    [InlineData("URI:MDMF-Verifier:", typeof(MutableVerifyCap), MutableFormat.Mdmf)]
    public void Each_mutable_prefix_gives_its_own_kind_of_cap(string prefix, Type type, MutableFormat format)
    {
        var cap = Cap.Parse($"{prefix}{Key}:{Fingerprint}");
        Assert.IsType(type, cap);
        Assert.Equal(format, cap switch
        {
            MutableWriteCap w => w.Format,
            MutableReadCap r => r.Format,
            MutableVerifyCap v => v.Format,
            _ => throw new InvalidOperationException(),
        });
        Assert.Equal($"{prefix}{Key}:{Fingerprint}", cap.ToString());
    }

    [Theory]
    [InlineData("URI:DIR2:", "URI:SSK:", true, true)]
    [InlineData("URI:DIR2-RO:", "URI:SSK-RO:", true, false)]
    [InlineData("URI:DIR2-Verifier:", "URI:SSK-Verifier:", true, false)]
    [InlineData("URI:DIR2-MDMF:", "URI:MDMF:", true, true)]
    [InlineData("URI:DIR2-MDMF-RO:", "URI:MDMF-RO:", true, false)]
    [InlineData("URI:DIR2-MDMF-Verifier:", "URI:MDMF-Verifier:", true, false)]
    public void A_mutable_directory_cap_wraps_the_file_cap_with_the_prefix_changed(string directoryPrefix, string filePrefix, bool mutable, bool writable)
    {
        var cap = Assert.IsType<DirectoryCap>(Cap.Parse($"{directoryPrefix}{Key}:{Fingerprint}"));
        Assert.Equal($"{filePrefix}{Key}:{Fingerprint}", cap.FileCap.ToString());
        Assert.Equal((mutable, writable), (cap.IsMutable, cap.IsWritable));
        Assert.Equal($"{directoryPrefix}{Key}:{Fingerprint}", cap.ToString());
    }

    [Fact]
    public void Immutable_and_literal_directory_caps_wrap_CHK_and_LIT_caps()
    {
        var chkDirectory = Assert.IsType<DirectoryCap>(Cap.Parse("URI:DIR2-CHK:" + Chk["URI:CHK:".Length..]));
        var chk = Assert.IsType<ChkReadCap>(chkDirectory.FileCap);
        Assert.False(chkDirectory.IsMutable);
        Assert.Same(chkDirectory, chkDirectory.ReadOnlyCap);
        Assert.Equal("URI:DIR2-CHK-Verifier:" + chk.VerifyCap.ToString()["URI:CHK-Verifier:".Length..], chkDirectory.VerifyCap!.ToString());
        Assert.Equal(chkDirectory.VerifyCap, Cap.Parse(chkDirectory.VerifyCap.ToString()));
        Assert.True(chkDirectory.TryGetStorageIndex(out var index));
        Assert.Equal(chk.StorageIndex, index);

        var literal = Assert.IsType<DirectoryCap>(Cap.Parse("URI:DIR2-LIT:nbswy3dp"));
        Assert.IsType<LiteralCap>(literal.FileCap);
        Assert.Null(literal.VerifyCap);
        Assert.False(literal.TryGetStorageIndex(out _));
        Assert.Equal("URI:DIR2-LIT:", new DirectoryCap(new LiteralCap([])).ToString());
    }

    [Fact]
    public void Write_caps_derive_read_and_verify_caps_and_read_caps_derive_verify_caps()
    {
        var write = Assert.IsType<MutableWriteCap>(Cap.Parse($"URI:SSK:{Key}:{Fingerprint}"));
        Assert.Equal("URI:SSK-RO:65ruo2zytr3uxnaxkptdoqkth4:" + Fingerprint, write.ReadCap.ToString());
        Assert.Equal("URI:SSK-Verifier:axxzm642zi4vozwfjdijoafbrm:" + Fingerprint, write.VerifyCap.ToString());
        Assert.Equal(write.VerifyCap, write.ReadCap.VerifyCap);
        Assert.Equal(write.StorageIndex, write.ReadCap.StorageIndex);

        var directory = new DirectoryCap(write);
        Assert.Equal("URI:DIR2-RO:65ruo2zytr3uxnaxkptdoqkth4:" + Fingerprint, directory.ReadOnlyCap!.ToString());
        Assert.Equal("URI:DIR2-Verifier:axxzm642zi4vozwfjdijoafbrm:" + Fingerprint, directory.VerifyCap!.ToString());
        Assert.Null(directory.VerifyCap.ReadOnlyCap);
        Assert.Equal(write.WriteKey.ToArray(), directory.WriteKey.ToArray());
        Assert.True(directory.ReadOnlyCap.WriteKey.IsEmpty);
    }

    [Theory]
    [InlineData("URI:MDMF:" + Key + ":" + Fingerprint + ":3:131073", "URI:MDMF:" + Key + ":" + Fingerprint)]
    [InlineData("URI:MDMF-RO:" + Key + ":" + Fingerprint + ":", "URI:MDMF-RO:" + Key + ":" + Fingerprint)]
    [InlineData("URI:MDMF-Verifier:" + Key + ":" + Fingerprint + ":anything:at all", "URI:MDMF-Verifier:" + Key + ":" + Fingerprint)]
    [InlineData("URI:DIR2-MDMF:" + Key + ":" + Fingerprint + ":1:2", "URI:DIR2-MDMF:" + Key + ":" + Fingerprint)]
    public void MDMF_extension_fields_are_accepted_and_dropped(string text, string canonical)
    {
        Assert.Equal(canonical, Cap.Parse(text).ToString());
    }

    [Theory]
    [InlineData("URI:SSK:" + Key + ":" + Fingerprint + ":3:131073", "exactly 2 fields")]
    [InlineData("URI:DIR2:" + Key + ":" + Fingerprint + ":x", "exactly 2 fields")]
    [InlineData("URI:SSK:" + Key, "2 fields")]
    [InlineData("URI:SSK:FS6UL2FJU2FVB2CFX7GT6NGYCM:" + Fingerprint, "upper case")]
    [InlineData("URI:SSK:fs6ul2fju2fvb2cfx7gt6ngycn:" + Fingerprint, "non-zero unused bits")]
    [InlineData("URI:SSK:fs6ul2fju2fvb2cfx7gt6ngyc:" + Fingerprint, "write key is 25 characters")]
    [InlineData("URI:SSK-RO:" + Key + ":hncpinwszbggrurbvuaaexnftk3j5wfr7473pj2g734mo2isxlbr", "non-zero unused bits")]
    [InlineData("URI:MDMF-Verifier:" + Key + ":hncpinwszbggrurbvuaaexnftk3j5wfr7473pj2g734mo2isxl", "fingerprint is 50 characters")]
    [InlineData("URI:DIR2-MDMF-RO:" + Key + ":" + Fingerprint + "x", "DIR2-MDMF-RO cap wraps a URI:MDMF-RO cap")]
    [InlineData("URI:DIR2-CHK:abc", "5 fields")]
    [InlineData("URI:DIR2-LIT:nbswy3d!", "not a base32 character")]
    [InlineData("URI:DIR3:abc:def", "'URI:DIR3' caps are not supported")]
    public void Malformed_mutable_and_directory_caps_are_rejected_with_a_reason(string text, string reason)
    {
        var error = Assert.Throws<CapFormatException>(() => Cap.Parse(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_trailing_character_rule_allows_exactly_the_canonical_endings()
    {
        foreach (var c in "abcdefghijklmnopqrstuvwxyz234567")
        {
            var key = Key[..25] + c;
            Assert.Equal("aeimquy4".Contains(c, StringComparison.Ordinal), Cap.TryParse($"URI:SSK:{key}:{Fingerprint}", out _, out _));
            var fingerprint = Fingerprint[..51] + c;
            Assert.Equal(c is 'a' or 'q', Cap.TryParse($"URI:SSK:{Key}:{fingerprint}", out _, out _));
        }
    }
}
