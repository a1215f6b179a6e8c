using Granary.Core.Caps;
using Granary.Core.Directories;
using Granary.Core.Mutable;
using Granary.Testing.Vectors;

namespace Granary.Core.Tests.Directories;

public class DirnodeKnownAnswerTests
{
    public static TheoryData<int> KatIndexes => MutableSample.Indexes(MutableSample.DirnodeKats.Count);

    [Fact]
    public void The_sample_holds_4_directory_KATs_one_immutable()
    {
        Assert.Equal(4, MutableSample.DirnodeKats.Count);
        Assert.Single(MutableSample.DirnodeKats, k => k.Immutable);
    }

    [Theory]
    [MemberData(nameof(KatIndexes))]
    public void Packing_the_children_gives_Tahoes_bytes(int index)
    {
        var kat = MutableSample.DirnodeKats[index];
        var contents = kat.Immutable ? DirectoryContents.CreateImmutable() : DirectoryContents.CreateMutable(WriteKeyOf(kat));
        foreach (var child in kat.Children)
        {
            contents.Set(new DirectoryChild(child.Name, child.WriteCap, child.ReadCap, KatMetadata.From(child.Metadata)));
        }

        Assert.Equal(Hex.Of(kat.Packed), Hex.Of(contents.Pack()));
    }

    [Theory]
    [MemberData(nameof(KatIndexes))]
    public void Unpacking_Tahoes_bytes_gives_the_children_and_repacks_to_the_same_bytes(int index)
    {
        var kat = MutableSample.DirnodeKats[index];
        var contents = DirectoryContents.Unpack(kat.Packed, kat.Immutable ? default : WriteKeyOf(kat), mutable: !kat.Immutable);

        Assert.Equal(0, contents.DroppedCount);
        Assert.Equal(kat.Children.Count, contents.Count);
        foreach (var expected in kat.Children)
        {
            Assert.True(contents.TryGetChild(expected.Name, out var child));
            Assert.Equal(UnicodeNormalization.ToNfc(expected.Name), child!.Name);
            Assert.Equal(expected.WriteCap, child.WriteCap);
            Assert.Equal(expected.ReadCap, child.ReadCap);
            Assert.Equal(KatMetadata.From(expected.Metadata), child.Metadata);
        }

        Assert.Equal(Hex.Of(kat.Packed), Hex.Of(contents.Pack()));
    }

    [Theory]
    [MemberData(nameof(KatIndexes))]
    public void A_read_only_view_sees_every_child_without_its_write_cap(int index)
    {
        var kat = MutableSample.DirnodeKats[index];
        var contents = DirectoryContents.Unpack(kat.Packed, default, mutable: !kat.Immutable);

        Assert.Equal(kat.Children.Count, contents.Count);
        Assert.All(contents.Children, child => Assert.Null(child.WriteCap));
        Assert.Equal(kat.Immutable, contents.CanPack);
    }

    [Fact]
    public void Linking_a_child_after_creation_reproduces_Tahoes_set_uri()
    {
        var created = MutableSample.DirnodeKats.Single(k => k.Name == "dir-sdmf-created");
        var after = MutableSample.DirnodeKats.Single(k => k.Name == "dir-sdmf-after-set_uri");
        var added = after.Children.Single(c => c.Name == "added");
        var contents = DirectoryContents.Unpack(created.Packed, WriteKeyOf(created), mutable: true);

        var child = contents.Link("added", added.WriteCap, added.ReadCap, MetadataObject.Of(("color", "blue")), 1700000123.25);

        Assert.Equal("""{"color": "blue", "tahoe": {"linkcrtime": 1700000123.25, "linkmotime": 1700000123.25}}""", child.Metadata.ToString());
        Assert.Equal(Hex.Of(after.Packed), Hex.Of(contents.Pack()));
    }

    [Theory]
    [MemberData(nameof(KatIndexes))]
    public void The_directory_caps_are_the_file_caps_with_the_prefix_changed(int index)
    {
        var kat = MutableSample.DirnodeKats[index];
        if (kat.DirCap is null)
        {
            return;
        }

        var key = Assert.IsType<MutableWriteCap>(Cap.Parse(kat.KeyCap));
        var format = kat.DirCap.StartsWith("URI:DIR2-MDMF:", StringComparison.Ordinal) ? MutableFormat.Mdmf : MutableFormat.Sdmf;
        var directory = new DirectoryCap(new MutableWriteCap(format, key.WriteKey, key.Fingerprint));

        Assert.Equal(kat.DirCap, directory.ToString());
        Assert.Equal(kat.DirReadCap, directory.ReadOnlyCap!.ToString());
        Assert.Equal(kat.DirVerifyCap, directory.VerifyCap!.ToString());
        Assert.Equal(directory, Cap.Parse(kat.DirCap));
        Assert.Equal(kat.Children.Count, DirectoryContents.Unpack(kat.Packed, directory).Count);
    }

    [Fact]
    public void A_mutable_directory_round_trips_through_MDMF_shares()
    {
        var kat = MutableSample.DirnodeKats.Single(k => k.Name == "dir-mdmf-created");
        using var key = SigningKey.FromPem(MutableSample.KeyFor(kat.KeyCap));
        var cap = MutableWriteCap.FromKey(key, MutableFormat.Mdmf);
        var encoded = MutableShareEncoder.EncodeFile(key, cap, kat.Packed, 3, 10, 1);

        var read = MutableFileReader.Read(cap.ReadCap, encoded.Shares.Select((s, j) => (j, (ReadOnlyMemory<byte>)s)));
        var contents = DirectoryContents.Unpack(read.Data, (DirectoryCap)Cap.Parse(kat.DirCap!));

        Assert.Equal("URI:MDMF:uuln4c3nhnggvyge4trhl3d6pa:gzzewapuozilqyr7jo26dxv4hmip5nalhwsztkxxu3dcrew3k6wq", contents.Children.Single().WriteCap);
    }

    private static byte[] WriteKeyOf(DirnodeKat kat) => Assert.IsType<MutableWriteCap>(Cap.Parse(kat.KeyCap)).WriteKey.ToArray();
}
