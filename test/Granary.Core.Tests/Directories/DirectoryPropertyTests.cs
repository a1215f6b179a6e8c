using System.Text;
using Granary.Core.Directories;

namespace Granary.Core.Tests.Directories;

public class DirectoryPropertyTests
{
    private static readonly byte[] WriteKey = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData(20260101, 10_000, true)]
    [InlineData(7, 2_000, false)]
    public void Ten_thousand_random_entries_round_trip_in_code_point_order(int seed, int count, bool mutable)
    {
        var random = new Random(seed);
        var contents = mutable ? DirectoryContents.CreateMutable(WriteKey) : DirectoryContents.CreateImmutable();
        var expected = new Dictionary<string, DirectoryChild>();
        while (expected.Count < count)
        {
            var child = new DirectoryChild(RandomName(random), mutable && random.Next(3) == 0 ? RandomCap(random, "URI:SSK:") : null, RandomCap(random, "URI:CHK:"), RandomMetadata(random, 0));
            expected[child.Name] = child;
            contents.Set(child);
        }

        var packed = contents.Pack();
        var back = DirectoryContents.Unpack(packed, mutable ? WriteKey : default, mutable);

        Assert.True(count == back.Count, $"seed {seed}");
        foreach (var child in back.Children)
        {
            var original = expected[child.Name];
            Assert.True(original.WriteCap == child.WriteCap && original.ReadCap == child.ReadCap && original.Metadata.Equals(child.Metadata), $"seed {seed}: {child.Name}");
        }

        // Code point order is UTF-8 byte order.
        var names = back.Children.Select(c => Encoding.UTF8.GetBytes(c.Name)).ToList();
        for (var i = 1; i < names.Count; i++)
        {
            Assert.True(names[i - 1].AsSpan().SequenceCompareTo(names[i]) < 0, $"seed {seed}: order at {i}");
        }

        Assert.Equal(packed, back.Pack());
        Assert.Equal(packed, RebuiltFrom(back, mutable).Pack());
    }

    [Fact]
    public void Astral_names_sort_after_the_top_of_the_basic_plane_unlike_ordinal_comparison()
    {
        var contents = DirectoryContents.CreateImmutable();
        contents.Set(new DirectoryChild("\U0001F600", null, "URI:LIT:"));
        contents.Set(new DirectoryChild("\uFB01", null, "URI:LIT:"));
        contents.Set(new DirectoryChild("\uE000", null, "URI:LIT:"));

        Assert.Equal(["\uE000", "\uFB01", "\U0001F600"], contents.Children.Select(c => c.Name));
        Assert.True(string.CompareOrdinal("\U0001F600", "\uE000") < 0);
    }

    [Fact]
    public void Names_are_stored_in_NFC_so_two_spellings_are_one_child()
    {
        var contents = DirectoryContents.CreateImmutable();
        contents.Set(new DirectoryChild("e\u0301", null, "URI:LIT:"));
        contents.Set(new DirectoryChild("\u00e9", null, "URI:LIT:nbswy3dp"));

        Assert.Equal(1, contents.Count);
        Assert.True(contents.TryGetChild("e\u0301", out var child));
        Assert.Equal("URI:LIT:nbswy3dp", child!.ReadCap);
    }

    [Fact]
    public void Untouched_entries_are_repacked_verbatim_even_when_not_canonical()
    {
        // A foreign writer's spacing and a non-NFC name survive an edit of another entry.
        var odd = Encoding.UTF8.GetBytes("e\u0301");
        byte[] entry = [.. Granary.Core.Formats.Netstring.Encode(odd), .. Granary.Core.Formats.Netstring.Encode("URI:LIT:"u8), .. Granary.Core.Formats.Netstring.Encode([]), .. Granary.Core.Formats.Netstring.Encode("{ \"a\" :1 }"u8)];
        var packed = Granary.Core.Formats.Netstring.Encode(entry);
        var contents = DirectoryContents.Unpack(packed, default, mutable: false);
        contents.Set(new DirectoryChild("z", null, "URI:LIT:"));

        // "é" sorts after "z", so the foreign entry is the tail.
        var repacked = contents.Pack();
        Assert.Equal(packed, repacked[^packed.Length..]);
        Assert.Equal("""{"a": 1}""", contents.Children.Last().Metadata.ToString());
    }

    private static DirectoryContents RebuiltFrom(DirectoryContents source, bool mutable)
    {
        var rebuilt = mutable ? DirectoryContents.CreateMutable(WriteKey) : DirectoryContents.CreateImmutable();
        foreach (var child in source.Children)
        {
            rebuilt.Set(new DirectoryChild(child.Name, child.WriteCap, child.ReadCap, child.Metadata));
        }

        return rebuilt;
    }

    private static string RandomName(Random random)
    {
        var text = new StringBuilder();
        var length = random.Next(1, 12);
        for (var i = 0; i < length; i++)
        {
            var code = random.Next(10) switch
            {
                0 => random.Next(0x10000, 0x110000),
                1 => random.Next(0x300, 0x370),
                2 => random.Next(0xAC00, 0xD7A4),
                3 => random.Next(0xE000, 0x10000),
                4 => random.Next(0x80, 0x800),
                _ => random.Next(0x20, 0x7F),
            };
            if (code is >= 0xD800 and <= 0xDFFF)
            {
                code = 'x';
            }

            text.Append(char.ConvertFromUtf32(code));
        }

        return UnicodeNormalization.ToNfc(text.ToString());
    }

    private static string RandomCap(Random random, string prefix) =>
        prefix + Granary.Core.Formats.Base32.Encode(RandomBytes(random, 16)) + ":" + Granary.Core.Formats.Base32.Encode(RandomBytes(random, 32)) + (prefix == "URI:CHK:" ? ":3:10:" + random.Next(56, 100000) : "");

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static MetadataObject RandomMetadata(Random random, int depth)
    {
        var entries = new List<KeyValuePair<string, object?>>();
        for (var i = random.Next(depth == 0 ? 4 : 3); i > 0; i--)
        {
            object? value = random.Next(depth < 2 ? 8 : 7) switch
            {
                0 => null,
                1 => random.Next(2) == 0,
                2 => random.NextInt64(long.MinValue, long.MaxValue),
                3 => random.NextDouble() * Math.Pow(10, random.Next(-20, 20)),
                4 => RandomName(random),
                5 => new object?[] { random.Next(), RandomName(random) },
                6 => Math.Round(random.NextDouble() * 2e9, 2),
                _ => RandomMetadata(random, depth + 1),
            };
            entries.Add(new(RandomName(random), value));
        }

        return new MetadataObject(entries);
    }
}
