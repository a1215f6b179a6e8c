using Granary.Core.Caps;
using Granary.Core.Chk;

namespace Granary.Core.Tests.Chk;

/// <summary>The intermediate values of chk-format §13, so a wrong cap says which step went wrong.</summary>
public class WorkedExampleTests
{
    private static readonly byte[] Secret = "aaaaaaaaaaaaaaaa"u8.ToArray();

    private static async Task<ChkEncoding> EncodeAsync(int size, int maxSegment)
    {
        using var input = new MemoryStream(Enumerable.Repeat((byte)'a', size).ToArray());
        var result = await ImmutableFileEncoder.EncodeAsync(input, Secret, new EncodingParameters(3, 10, maxSegment));
        return result.Chk!;
    }

    [Fact]
    public void Parameters_for_56_bytes_round_the_segment_up_to_a_multiple_of_k()
    {
        var p = ChkParameters.Create(56, new EncodingParameters(3, 10, 131_072));
        Assert.Equal((57, 1, 56, 57, 19, 19), (p.SegmentSize, p.SegmentCount, p.TailSize, p.PaddedTailSize, p.BlockSize, p.TailBlockSize));
    }

    [Fact]
    public void Parameters_may_exceed_the_maximum_segment_size()
    {
        var p = ChkParameters.Create(2_097_151, new EncodingParameters(71, 255, 131_072));
        Assert.Equal((131_137, 16, 130_096, 130_143), (p.SegmentSize, p.SegmentCount, p.TailSize, p.PaddedTailSize));
    }

    [Fact]
    public async Task Single_segment_example_matches_every_intermediate_value()
    {
        var e = await EncodeAsync(56, 131_072);
        Assert.Equal("380ff65ec57c08c67d0219f67b481d28", Hex.Of(e.ReadCap.Key));
        Assert.Equal("5mwuz5yxisqrnhtrsljs7wkyb4", e.StorageIndex.ToString());
        Assert.Equal("12af5b54aeaede9c953c3906275f6fdfc9f4635904a2c748cd7cb531f2a4990d", Hex.Of(e.UriExtension.CrypttextRootHash));
        Assert.Equal("80ed8bd9cc0ccab9fa8cd2c823c0ad806cbff4c6a44045c38f64a3e3cb5275fd", Hex.Of(e.UriExtension.CrypttextHash));
        Assert.Equal("7b59609340be4d0a425121db8517790f592d7db693e567a29557edbbdc0bdbd4", Hex.Of(e.BlockHashTrees[0].Root));
        Assert.Equal("4fd0e1c60dd4dd8d5dc66b4809ca1b2b4c08d3caee50ae4b4863d28a7bb49192", Hex.Of(e.BlockHashTrees[9].Root));
        Assert.Equal("5c6817fbce7633f83eb533324ee64b0d4936a5fe0873dc1cf2a24cf68c21da74", Hex.Of(e.UriExtension.ShareRootHash));
        Assert.Equal(308, e.UriExtensionBytes.Length);
        Assert.StartsWith("codec_name:3:crs,codec_params:7:57-3-10,crypttext_hash:32:", System.Text.Encoding.Latin1.GetString(e.UriExtensionBytes), StringComparison.Ordinal);
        Assert.EndsWith("size:2:56,tail_codec_params:7:57-3-10,total_shares:2:10,", System.Text.Encoding.Latin1.GetString(e.UriExtensionBytes), StringComparison.Ordinal);
        Assert.Equal("f11f5bcf54b9f9a705ed2b796545eb8317fab8ff041ed8340fa7ca5161ba3ab7", Hex.Of(e.ReadCap.UriExtensionHash));
        Assert.Equal("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56", e.ReadCap.ToString());
        Assert.Equal("URI:CHK-Verifier:5mwuz5yxisqrnhtrsljs7wkyb4:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56", e.VerifyCap.ToString());
    }

    [Fact]
    public async Task Multi_segment_example_hashes_the_tail_without_its_padding()
    {
        var e = await EncodeAsync(200, 90);
        Assert.Equal("85d694159afe79cd4643a8b1335724b0", Hex.Of(e.ReadCap.Key));
        Assert.Equal("ialkbdufmh44mxvccbhm633p34", e.StorageIndex.ToString());
        Assert.Equal("2961afa0e871a403b72576e9dbeed700219521b1a4aa28e9f1db9dc87333c4b6", Hex.Of(e.CrypttextHashTree.GetLeaf(0)));
        Assert.Equal("137873bda79f682af6477c402045f5c9ebca601d36aa593c72a88d591b7a3390", Hex.Of(e.CrypttextHashTree.GetLeaf(1)));
        Assert.Equal("c0389dd8aa5a1e9aea4fccd6ffba85ced456dc0d878115c968c5feb2452628ba", Hex.Of(e.CrypttextHashTree.GetLeaf(2)));
        Assert.Equal("c0ed8995fe80dc0556b239c9cc2366f38694b7d27e65be37362c5612276a7e76", Hex.Of(e.CrypttextHashTree.GetNode(1)));
        Assert.Equal("1108f064875e4d52a1bdff9719083fa63d3004edc53f1dbe15b478a1c4b8e1ef", Hex.Of(e.CrypttextHashTree.GetNode(2)));
        Assert.Equal("8e4ef922e44a64b0ed112beefe2e332b5ff029917c93ea74f1f51721a5e3de66", Hex.Of(e.UriExtension.CrypttextRootHash));
        Assert.Equal("77cc891dad54fa591dc3e7099d25de0309f47e27c957d7ca3f52047aeccb6c9f", Hex.Of(e.UriExtension.CrypttextHash));
        Assert.Equal("92d4cf56028a84c4d1c97412402a7c6e7916b2b2e368efdf87574743d409090f", Hex.Of(e.BlockHashTrees[0].Root));
        Assert.Equal("69a2557bd94a8585633cb839318d3af1eae4d00ba7f923ecd4c74aee6ea78dba", Hex.Of(e.BlockHashTrees[9].Root));
        Assert.Equal("5c45868502752d2b207b89c0ef57caffd85baa5401af784d2bc12868d625befa", Hex.Of(e.UriExtension.ShareRootHash));
        Assert.Equal("8bdcd52515898132c6b267ac201eedd2c50be67978596507caaa5b437c63bfcf", Hex.Of(e.ReadCap.UriExtensionHash));
        Assert.Equal("URI:CHK:qxljifm27z442rsdvcytgvzewa:rponkjivrgatfrvsm6wcahxn2lcqxztzpbmwkb6kvjnug7ddx7hq:3:10:200", e.ReadCap.ToString());
        Assert.Equal("URI:CHK-Verifier:ialkbdufmh44mxvccbhm633p34:rponkjivrgatfrvsm6wcahxn2lcqxztzpbmwkb6kvjnug7ddx7hq:3:10:200", e.VerifyCap.ToString());
    }

    [Fact]
    public async Task One_of_one_variant_matches_the_published_cap()
    {
        using var input = new MemoryStream(Enumerable.Repeat((byte)'a', 56).ToArray());
        var result = await ImmutableFileEncoder.EncodeAsync(input, Secret, new EncodingParameters(1, 1, 131_072));
        Assert.Equal("URI:CHK:yzxcoagbetwet65ltjpbqyli3m:6b7inuiha2xdtgqzd55i6aeggutnxzr6qfwpv2ep5xlln6pgef7a:1:1:56", result.ReadCap.ToString());
        Assert.Equal("i5nhq74zw2crkop634ra4hrvzm", ((ChkReadCap)result.ReadCap).StorageIndex.ToString());
    }

    [Theory]
    [InlineData("hello", "URI:LIT:nbswy3dp")]
    [InlineData("", "URI:LIT:")]
    public async Task Small_files_are_literal_caps(string contents, string expected)
    {
        using var input = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(contents));
        var result = await ImmutableFileEncoder.EncodeAsync(input, Secret, EncodingParameters.Default);
        Assert.Equal(expected, result.ReadCap.ToString());
        Assert.Null(result.Chk);
    }

    [Fact]
    public async Task Fifty_five_bytes_is_still_literal_and_fifty_six_is_not()
    {
        using var literal = new MemoryStream(Enumerable.Repeat((byte)'a', 55).ToArray());
        var result = await ImmutableFileEncoder.EncodeAsync(literal, Secret, EncodingParameters.Default);
        Assert.Equal("URI:LIT:" + string.Concat(Enumerable.Repeat("mfqwcylb", 11)), result.ReadCap.ToString());

        using var chk = new MemoryStream(Enumerable.Repeat((byte)'a', 56).ToArray());
        Assert.IsType<ChkReadCap>((await ImmutableFileEncoder.EncodeAsync(chk, Secret, EncodingParameters.Default)).ReadCap);
    }
}
