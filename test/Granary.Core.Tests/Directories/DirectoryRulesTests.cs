using Granary.Core.Caps;
using Granary.Core.Directories;
using Granary.Core.Formats;

namespace Granary.Core.Tests.Directories;

public class DirectoryRulesTests
{
    private const string Chk = "URI:CHK:yzxcoagbetwet65ltjpbqyli3m:6b7inuiha2xdtgqzd55i6aeggutnxzr6qfwpv2ep5xlln6pgef7a:1:1:56";
    private const string SskWrite = "URI:SSK:kwn44kjzh5s6lqyaeh3d74ziye:fammlnqo37yrfilvn4xwralire36de7ogpusp2uprtirwlpdbtca";
    private const string SskRead = "URI:SSK-RO:qrwuogq6qeoyxgqsijo5z4iwt4:fammlnqo37yrfilvn4xwralire36de7ogpusp2uprtirwlpdbtca";
    private static readonly byte[] WriteKey = Base32.Decode("l43byqsidupuz4k4kzskysj4hy");

    [Fact]
    public void A_new_child_gets_both_link_times_and_an_overwrite_keeps_the_creation_time()
    {
        var contents = DirectoryContents.CreateMutable(WriteKey);
        contents.Link("f", null, Chk, MetadataObject.Of(("color", "blue")), 100.5);
        var changed = contents.Link("f", null, Chk, MetadataObject.Of(("size", 3), ("tahoe", MetadataObject.Of(("linkcrtime", 1.0)))), 200.0);

        Assert.Equal("""{"size": 3, "tahoe": {"linkcrtime": 100.5, "linkmotime": 200.0}}""", changed.Metadata.ToString());
        var touched = contents.SetMetadata("f", MetadataObject.Of(("x", "y")), 300.0);
        Assert.Equal("""{"x": "y", "tahoe": {"linkcrtime": 100.5, "linkmotime": 300.0}}""", touched.Metadata.ToString());
    }

    [Fact]
    public void A_legacy_ctime_becomes_the_link_creation_time_unless_it_is_null()
    {
        var legacy = MetadataObject.Of(("ctime", 5.0), ("mtime", 6.0));
        Assert.Equal("""{"ctime": 5.0, "mtime": 6.0, "tahoe": {"linkcrtime": 5.0, "linkmotime": 9.0}}""", DirectoryMetadata.Update(legacy, null, 9.0).ToString());
        Assert.Equal("""{"a": 1, "tahoe": {"linkcrtime": 5.0, "linkmotime": 9.0}}""", DirectoryMetadata.Update(legacy, MetadataObject.Of(("a", 1)), 9.0).ToString());
        Assert.Equal("""{"ctime": null, "tahoe": {"linkcrtime": 9.0, "linkmotime": 9.0}}""", DirectoryMetadata.Update(MetadataObject.Of(("ctime", null)), null, 9.0).ToString());
    }

    [Fact]
    public void The_system_metadata_keeps_its_place_when_no_new_metadata_is_given()
    {
        var old = MetadataObject.Of(("tahoe", MetadataObject.Of(("linkmotime", 1.0), ("linkcrtime", 0.5))), ("z", 1));
        Assert.Equal("""{"tahoe": {"linkmotime": 2.0, "linkcrtime": 0.5}, "z": 1}""", DirectoryMetadata.Update(old, null, 2.0).ToString());
    }

    [Fact]
    public void No_write_metadata_stores_the_child_read_only()
    {
        var contents = DirectoryContents.CreateMutable(WriteKey);
        var child = contents.Link("m", SskWrite, null, MetadataObject.Of(("no-write", true)), 1.0);
        Assert.Null(child.WriteCap);
        Assert.Equal(SskRead, child.ReadCap);

        var falsy = contents.Link("n", SskWrite, null, MetadataObject.Of(("no-write", "")), 1.0);
        Assert.Equal(SskWrite, falsy.WriteCap);
    }

    [Fact]
    public void A_write_cap_linked_alone_gets_its_read_cap_derived()
    {
        var contents = DirectoryContents.CreateMutable(WriteKey);
        var child = contents.Link("m", Cap.Parse(SskWrite), null, 1.0);
        Assert.Equal((SskWrite, SskRead), (child.WriteCap, child.ReadCap));
        Assert.Equal((SskWrite, SskRead), (DirectoryChild.ForCap("x", Cap.Parse(SskWrite)).WriteCap, DirectoryChild.ForCap("x", Cap.Parse(SskWrite)).ReadCap));
        Assert.Throws<ArgumentException>(() => contents.Link("bad", "URI:SSK:nonsense", null, null, 1.0));
        Assert.Throws<ArgumentException>(() => contents.Link("future", "x-future:rw", null, null, 1.0));
        Assert.Throws<ArgumentException>(() => contents.Link("ro-context", "ro." + SskWrite, null, null, 1.0));
        Assert.Throws<InvalidOperationException>(() => contents.Link("m", Cap.Parse(Chk), null, 2.0, overwrite: false));
    }

    [Fact]
    public void An_immutable_directory_refuses_mutable_children()
    {
        var contents = DirectoryContents.CreateImmutable();
        contents.Set(new DirectoryChild("m", null, SskRead));
        Assert.Throws<InvalidOperationException>(() => contents.Pack());

        contents.Remove("m");
        contents.Set(new DirectoryChild("w", SskWrite, null));
        Assert.Throws<InvalidOperationException>(() => contents.Pack());

        contents.Remove("w");
        contents.Set(new DirectoryChild("v", null, "URI:SSK-Verifier:axxzm642zi4vozwfjdijoafbrm:hncpinwszbggrurbvuaaexnftk3j5wfr7473pj2g734mo2isxlbq"));
        contents.Set(new DirectoryChild("future", null, "imm.x-future:cap"));
        var packed = contents.Pack();
        Assert.Contains("12:x-future:cap,", System.Text.Encoding.ASCII.GetString(packed), StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_drops_what_Tahoe_drops_and_keeps_unknown_caps()
    {
        // Entries written by hand, as a foreign or hostile writer could.
        var packed = Entries(
            ("bad-chk", "URI:CHK:short", ""),
            ("mutable-in-immutable", SskRead, ""),
            ("fine", Chk, ""),
            ("future", "x-future:ro", ""),
            ("padded", Chk + "   ", ""));
        var immutable = DirectoryContents.Unpack(packed, default, mutable: false);
        Assert.Equal(["fine", "future", "padded"], immutable.Children.Select(c => c.Name));
        Assert.Equal(Chk, immutable.Children.Last().ReadCap);
        Assert.Equal(2, immutable.DroppedCount);

        var mutable = DirectoryContents.Unpack(packed, default, mutable: true);
        Assert.Equal(["bad-chk"], [.. Enumerable.Except(["bad-chk", "mutable-in-immutable", "fine", "future", "padded"], mutable.Children.Select(c => c.Name))]);
    }

    [Fact]
    public void An_immutable_directory_with_a_write_cap_slot_is_unreadable()
    {
        var packed = Entries(("x", Chk, "something"));
        Assert.Throws<DirectoryFormatException>(() => DirectoryContents.Unpack(packed, default, mutable: false));
    }

    [Theory]
    [InlineData("5:hello")]
    [InlineData("x:")]
    [InlineData("10:0:,0:,0:,2:{},")]
    public void Broken_netstrings_make_the_directory_unreadable(string text)
    {
        Assert.Throws<DirectoryFormatException>(() => DirectoryContents.Unpack(System.Text.Encoding.ASCII.GetBytes(text), default, mutable: true));
    }

    [Fact]
    public void Metadata_that_is_not_an_object_or_names_that_are_not_UTF8_make_the_directory_unreadable()
    {
        Assert.Throws<DirectoryFormatException>(() => DirectoryContents.Unpack(Entries(("a", Chk, "", "[1]")), default, mutable: false));
        var badName = Netstring.Encode([.. Netstring.Encode([0xff]), .. Netstring.Encode([]), .. Netstring.Encode([]), .. Netstring.Encode("{}"u8)]);
        Assert.Throws<DirectoryFormatException>(() => DirectoryContents.Unpack(badName, default, mutable: false));
    }

    [Fact]
    public void The_read_only_prefix_is_stripped_when_packing_and_an_immutable_prefix_kept_in_a_mutable_directory()
    {
        var contents = DirectoryContents.CreateMutable(WriteKey);
        contents.Set(new DirectoryChild("a", "x-future:rw", "ro.x-future:ro"));
        contents.Set(new DirectoryChild("b", null, "imm.x-future:imm"));
        var text = System.Text.Encoding.Latin1.GetString(contents.Pack());
        Assert.Contains("11:x-future:ro,", text, StringComparison.Ordinal);
        Assert.Contains("16:imm.x-future:imm,", text, StringComparison.Ordinal);

        var back = DirectoryContents.Unpack(contents.Pack(), WriteKey, mutable: true);
        Assert.Equal("x-future:rw", back.Children.First().WriteCap);
    }

    [Fact]
    public void Child_write_caps_encrypt_deterministically_and_decrypt_back()
    {
        var once = ChildCapCipher.Encrypt(WriteKey, System.Text.Encoding.ASCII.GetBytes(SskWrite));
        var twice = ChildCapCipher.Encrypt(WriteKey, System.Text.Encoding.ASCII.GetBytes(SskWrite));
        Assert.Equal(once, twice);
        Assert.Equal(16 + SskWrite.Length + 32, once.Length);
        Assert.Equal(SskWrite, System.Text.Encoding.ASCII.GetString(ChildCapCipher.Decrypt(WriteKey, once)));
        Assert.Equal(48, ChildCapCipher.Encrypt(WriteKey, []).Length);
        Assert.Empty(ChildCapCipher.Decrypt(WriteKey, []));
    }

    [Fact]
    public void A_read_only_view_cannot_be_packed()
    {
        var contents = DirectoryContents.Unpack([], default, mutable: true);
        Assert.False(contents.CanPack);
        Assert.Throws<InvalidOperationException>(() => contents.Pack());
        Assert.Empty(DirectoryContents.CreateMutable(WriteKey).Pack());
    }

    private static byte[] Entries(params (string Name, string ReadCap, string WriteSlot)[] entries) =>
        Entries(entries.Select(e => (e.Name, e.ReadCap, e.WriteSlot, "{}")).ToArray());

    private static byte[] Entries(params (string Name, string ReadCap, string WriteSlot, string Metadata)[] entries)
    {
        var output = new List<byte>();
        foreach (var (name, read, write, metadata) in entries)
        {
            byte[] entry = [.. Netstring.Encode(System.Text.Encoding.UTF8.GetBytes(name)), .. Netstring.Encode(System.Text.Encoding.ASCII.GetBytes(read)),
                .. Netstring.Encode(System.Text.Encoding.ASCII.GetBytes(write)), .. Netstring.Encode(System.Text.Encoding.ASCII.GetBytes(metadata))];
            output.AddRange(Netstring.Encode(entry));
        }

        return [.. output];
    }
}
