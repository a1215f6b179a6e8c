using System.Text;
using Granary.Core.Chk;

namespace Granary.Core.Tests.Chk;

public class UriExtensionTests
{
    private static UriExtension Sample() => new(
        ChkParameters.Create(200, new EncodingParameters(3, 10, 90)),
        Enumerable.Repeat((byte)1, 32).ToArray(),
        Enumerable.Repeat((byte)2, 32).ToArray(),
        Enumerable.Repeat((byte)3, 32).ToArray());

    [Fact]
    public void Serialized_blocks_parse_back_to_the_same_fields()
    {
        var parsed = UriExtension.Parse(Sample().Serialize());
        Assert.Equal(Sample().Serialize(), parsed.Serialize());
        Assert.Equal(3, parsed.Parameters.SegmentCount);
    }

    [Fact]
    public void Keys_this_version_does_not_use_are_ignored()
    {
        var withPlaintextHash = Encoding.Latin1.GetBytes("plaintext_hash:3:abc,").Concat(Sample().Serialize()).ToArray();
        Assert.Equal(Sample().Serialize(), UriExtension.Parse(withPlaintextHash).Serialize());
    }

    [Theory]
    [InlineData("num_segments:1:3,", "num_segments:1:4,", "other fields imply '3'")]
    [InlineData("codec_name:3:crs,", "codec_name:3:xyz,", "only 'crs'")]
    [InlineData("needed_shares:1:3,", "", "no 'needed_shares'")]
    [InlineData("size:3:200,", "size:3:2x0,", "not a decimal number")]
    [InlineData("total_shares:2:10,", "total_shares:2:10,total_shares:2:10,", "appears twice")]
    [InlineData("total_shares:2:10,", "total_shares:9:10,", "truncated")]
    [InlineData("codec_name:", "code name:", "letters")]
    public void Malformed_blocks_say_what_is_wrong(string find, string replace, string reason)
    {
        var text = Encoding.Latin1.GetString(Sample().Serialize()).Replace(find, replace, StringComparison.Ordinal);
        var error = Assert.Throws<FormatException>(() => UriExtension.Parse(Encoding.Latin1.GetBytes(text)));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
