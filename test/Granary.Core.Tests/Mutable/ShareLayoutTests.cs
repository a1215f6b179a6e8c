using Granary.Core.Mutable;
using Granary.Testing.Vectors;

namespace Granary.Core.Tests.Mutable;

public class ShareLayoutTests
{
    [Theory]
    [InlineData(1, 131072)]
    [InlineData(2, 131072)]
    [InlineData(3, 131073)]
    [InlineData(10, 131080)]
    [InlineData(71, 131137)]
    [InlineData(101, 131098)]
    [InlineData(255, 131325)]
    public void MDMF_segments_are_131072_bytes_rounded_up_to_a_multiple_of_k(int k, long segmentSize)
    {
        Assert.Equal(segmentSize, MutableParameters.ForNewVersion(MutableFormat.Mdmf, k, 255, 56).SegmentSize);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(3, 2)]
    [InlineData(10, 4)]
    [InlineData(255, 8)]
    public void The_share_hash_chain_has_log2_of_the_padded_share_count_entries(int n, int entries)
    {
        Assert.Equal(entries, MutableParameters.ForNewVersion(MutableFormat.Sdmf, 1, n, 10).ShareHashChainLength);
    }

    [Fact]
    public void SDMF_is_one_segment_of_the_file_rounded_up_to_k_and_empty_files_have_none()
    {
        var p = MutableParameters.ForNewVersion(MutableFormat.Sdmf, 3, 10, 1024);
        Assert.Equal((1026L, 1, 1024, 342, 342), (p.SegmentSize, p.SegmentCount, p.TailLength, p.BlockSize, p.TailBlockSize));

        var empty = MutableParameters.ForNewVersion(MutableFormat.Sdmf, 3, 10, 0);
        Assert.Equal((0L, 0, 0L, 1), (empty.SegmentSize, empty.SegmentCount, empty.ShareDataLength, empty.BlockHashTreeNodeCount));

        var emptyMdmf = MutableParameters.ForNewVersion(MutableFormat.Mdmf, 3, 10, 0);
        Assert.Equal((131073L, 0, 0L), (emptyMdmf.SegmentSize, emptyMdmf.SegmentCount, emptyMdmf.ShareDataLength));
    }

    [Fact]
    public void MDMF_tails_are_cut_at_the_rounded_segment_size()
    {
        var p = MutableParameters.ForNewVersion(MutableFormat.Mdmf, 3, 10, 300000);
        Assert.Equal(3, p.SegmentCount);
        Assert.Equal(300000 - 2 * 131073, p.TailLength);
        Assert.Equal((43691, 12618), (p.BlockSize, p.TailBlockSize));
        Assert.Equal(2 * (16 + 43691), p.SegmentDataOffset(2));
        Assert.Equal(3 * 16 + 2 * 43691 + 12618, p.ShareDataLength);
        Assert.Equal(7, p.BlockHashTreeNodeCount);
    }

    [Fact]
    public void The_SDMF_56_byte_share_has_the_offsets_of_the_spec_example()
    {
        var share = MutableSample.ShareKats.First(k => k.Name == "sdmf-56-k1n1").Share0!;
        var version = MutableVersion.Parse(share);
        Assert.Equal(
            "00" + "0000000000000001" + "e527b3be28367b73ecf3db695649759a5ce1479eed7921ee5a4499e5a42061e3" + "527211f9846251b7bf63d03a22f816ec" + "01" + "01"
            + "0000000000000038" + "0000000000000038" + "00000191" + "00000291" + "00000291" + "000002b1" + "00000000000002e9" + "00000000000007ab",
            Hex.Of(version.Header));
        Assert.Equal(new MutableShareOffsets(745, 657, 401, 107, 401, 689, 657, 1963), version.Offsets);
        Assert.Equal(75, version.SignedPrefix.Length);
        Assert.Equal(57, version.Checkstring.Length);
        Assert.Equal("527211f9846251b7bf63d03a22f816ec", Hex.Of(version.Salt));
    }

    [Fact]
    public void The_MDMF_shares_have_the_offsets_of_the_spec_examples()
    {
        var small = MutableVersion.Parse(MutableSample.ShareKats.First(k => k.Name == "mdmf-56-k1n1").Share0!);
        Assert.Equal(new MutableShareOffsets(123, 1339, 1339, 1595, 1889, 2167, 2239, 2271), small.Offsets);
        Assert.Equal(59, small.SignedPrefix.Length);
        Assert.Equal(41, small.Checkstring.Length);
        Assert.True(small.Salt.IsEmpty);

        var empty = MutableVersion.Parse(MutableSample.ShareKats.First(k => k.Name == "mdmf-empty-k3n10").Share0!);
        Assert.Equal(new MutableShareOffsets(123, 1339, 1475, 1731, 2025, 2167, 2167, 2199), empty.Offsets);
    }

    [Fact]
    public void Computed_offsets_equal_the_ones_Tahoe_wrote()
    {
        foreach (var kat in MutableSample.ShareKats.Where(k => k.Share0 is not null))
        {
            var version = MutableVersion.Parse(kat.Share0!);
            var share = MutableShare.Parse(0, kat.Share0!);
            Assert.Equal(version.Offsets, MutableShareOffsets.Compute(version.Parameters, share.EncryptedPrivateKey.Length, 294, 256));
        }
    }

    [Fact]
    public void The_MDMF_gap_before_the_share_data_is_zero()
    {
        var share = MutableSample.ShareKats.First(k => k.Name == "mdmf-56-k1n1").Share0!;
        Assert.All(share.AsSpan(1889, 2167 - 1889).ToArray(), b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(new byte[] { 2 }, "neither SDMF (0) nor MDMF (1)")]
    public void Headers_with_an_unknown_version_byte_are_refused(byte[] bytes, string reason)
    {
        var error = Assert.Throws<MutableShareFormatException>(() => MutableVersion.TryParse(bytes, out _));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_read_short_asks_for_more_and_a_bad_one_says_why()
    {
        var share = MutableSample.ShareKats.First(k => k.Name == "mdmf-56-k1n1").Share0!;
        Assert.False(MutableVersion.TryParse(share.AsSpan(0, 122), out _));
        Assert.True(MutableVersion.TryParse(share.AsSpan(0, 123), out _));

        var zeroK = share.ToArray();
        zeroK[41] = 0;
        Assert.Contains("impossible", Assert.Throws<MutableShareFormatException>(() => MutableVersion.Parse(zeroK)).Message, StringComparison.Ordinal);

        var disordered = share.ToArray();
        disordered[80] = 0x01; // o_sig (bytes 75 … 82) now lies past o_vk
        Assert.Contains("out of order", Assert.Throws<MutableShareFormatException>(() => MutableVersion.Parse(disordered)).Message, StringComparison.Ordinal);

        Assert.Contains("ends at 2271", Assert.Throws<MutableShareFormatException>(() => MutableShare.Parse(0, share.AsMemory(0, 2270))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stale_bytes_after_the_end_offset_are_ignored()
    {
        var kat = MutableSample.ShareKats.First(k => k.Name == "mdmf-56-k1n1");
        var share = MutableShare.Parse(0, kat.Share0!.Concat(new byte[100]).ToArray());
        Assert.Equal(2271, share.Bytes.Length);
        using var key = ShareTesting.KeyOfVector(kat.KeyCap);
        share.Validate(Granary.Core.Caps.MutableWriteCap.FromKey(key, MutableFormat.Mdmf).Fingerprint);
    }
}
