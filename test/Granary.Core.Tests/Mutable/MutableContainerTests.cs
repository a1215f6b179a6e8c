using System.Security.Cryptography;
using Granary.Core.Formats;
using Granary.Core.Mutable;
using Granary.Testing.Vectors;

namespace Granary.Core.Tests.Mutable;

public class MutableContainerTests
{
    [Fact]
    public void Empty_containers_are_byte_identical_to_Tahoes()
    {
        var kats = MutableSample.ContainerKats;
        Assert.Equal([1, 2], kats.Select(k => k.SchemaVersion));
        foreach (var kat in kats)
        {
            var file = MutableContainer.CreateEmpty(Base32.Decode(kat.NodeId), kat.WriteEnabler, kat.SchemaVersion);
            Assert.Equal(kat.Length, file.Length);
            Assert.Equal(Hex.Of(kat.Bytes), Hex.Of(file));
            Assert.Equal(kat.Sha256, Hex.Of(SHA256.HashData(file)));
            Assert.Equal(Hex.Of(kat.Magic), Hex.Of(MutableContainer.Magic(kat.SchemaVersion)));
        }

        Assert.Equal("c355219925", Hex.Of(MutableContainer.Magic(2).AsSpan(27)));
    }

    [Fact]
    public void A_parsed_container_gives_its_header_fields_and_an_empty_data_region()
    {
        var kat = MutableSample.ContainerKats[1];
        var container = MutableContainer.Parse(kat.Bytes);
        Assert.Equal(2, container.SchemaVersion);
        Assert.Equal(kat.NodeId, Base32.Encode(container.NodeId));
        Assert.Equal(Hex.Of(kat.WriteEnabler), Hex.Of(container.WriteEnabler));
        Assert.Equal(0, container.DataLength);
        Assert.Equal(468, container.ExtraLeaseOffset);
        Assert.Empty(container.Leases);
        Assert.True(container.Read(0, 100).IsEmpty);
    }

    [Fact]
    public void Writes_grow_the_data_move_the_extra_leases_and_zero_fill_gaps_and_reads_truncate()
    {
        var empty = MutableContainer.Parse(MutableContainer.CreateEmpty(new byte[20], new byte[32]));
        var share = MutableSample.ShareKats.First(k => k.Name == "mdmf-56-k1n1").Share0!;

        // Tahoe's MDMF writer sends the segment first: the header region reads as zeros until written.
        var first = MutableContainer.Parse(empty.ApplyWrites([(2167, share[2167..])], newLength: null));
        Assert.Equal(share.Length, first.DataLength);
        Assert.Equal(468 + share.Length, first.ExtraLeaseOffset);
        Assert.All(first.Read(0, 2167).ToArray(), b => Assert.Equal(0, b));

        var whole = MutableContainer.Parse(first.ApplyWrites([(0, share[..2167])], newLength: null));
        Assert.Equal(Hex.Of(share), Hex.Of(whole.Data.Span));
        Assert.Equal(Hex.Of(share[2200..]), Hex.Of(whole.Read(2200, 1000).Span));
        Assert.True(whole.Read(5000, 10).IsEmpty);

        var shrunk = MutableContainer.Parse(whole.ApplyWrites([], newLength: 100));
        Assert.Equal(100, shrunk.DataLength);
        Assert.Equal(468 + share.Length, shrunk.ExtraLeaseOffset);
        Assert.Throws<ArgumentOutOfRangeException>(() => whole.ApplyWrites([], newLength: 0));

        // Growing past the old length exposes zeros, not the stale bytes beyond it.
        var regrown = MutableContainer.Parse(shrunk.ApplyWrites([(200, [7])], newLength: null));
        Assert.Equal(201, regrown.DataLength);
        Assert.All(regrown.Read(100, 100).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Files_that_are_not_containers_are_refused()
    {
        var file = MutableContainer.CreateEmpty(new byte[20], new byte[32]);
        file[26] = (byte)'3';
        Assert.Throws<MutableShareFormatException>(() => MutableContainer.Parse(file));
        Assert.Throws<MutableShareFormatException>(() => MutableContainer.Parse(new byte[100]));

        var lying = MutableContainer.CreateEmpty(new byte[20], new byte[32], 1);
        lying[91] = 0xff; // data length far beyond the file
        Assert.Throws<MutableShareFormatException>(() => MutableContainer.Parse(lying));
    }
}
