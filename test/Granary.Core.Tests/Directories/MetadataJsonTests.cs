using System.Globalization;
using System.Numerics;
using Granary.Core.Directories;

namespace Granary.Core.Tests.Directories;

public class MetadataJsonTests
{
    [Fact]
    public void Metadata_serialises_as_Pythons_json_dumps()
    {
        var metadata = MetadataObject.Of(("note", "h\u00e9llo \"q\""), ("n", 3));
        Assert.Equal("""{"note": "h\u00e9llo \"q\"", "n": 3}""", MetadataJson.Serialize(metadata));
        Assert.Equal("{}", MetadataJson.Serialize(MetadataObject.Empty));
        Assert.Equal("""{"a": [1, 2.0, null, true], "b": {"c": false, "d": []}}""",
            MetadataObject.Of(("a", new object?[] { 1, 2.0, null, true }), ("b", MetadataObject.Of(("c", false), ("d", Array.Empty<object>())))).ToString());
    }

    [Theory]
    [InlineData("\u007f", "\\u007f")]
    [InlineData("/", "/")]
    [InlineData("\0\u001f", "\\u0000\\u001f")]
    [InlineData("\b\f\n\r\t", "\\b\\f\\n\\r\\t")]
    [InlineData("\\", "\\\\")]
    [InlineData("\U0001F600", "\\ud83d\\ude00")]
    [InlineData("\uFFFF\u00ff", "\\uffff\\u00ff")]
    [InlineData("<>&'+", "<>&'+")]
    public void Strings_are_escaped_as_Python_escapes_them(string value, string escaped)
    {
        Assert.Equal($"{{\"k\": \"{escaped}\"}}", MetadataObject.Of(("k", value)).ToString());
    }

    [Theory]
    [InlineData(1700000000.0, "1700000000.0")]
    [InlineData(1700000123.25, "1700000123.25")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NaN, "NaN")]
    public void Floats_are_written_as_Python_repr(double value, string text)
    {
        Assert.Equal(text, MetadataJson.FormatFloat(value));
    }

    [Fact]
    public void Every_recorded_Python_float_repr_is_reproduced()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Vectors", "python-float-repr.txt")).Where(l => !l.StartsWith('#')).ToList();
        Assert.True(lines.Count > 700);
        foreach (var line in lines)
        {
            var (bits, text) = (line[..16], line[17..]);
            var value = BitConverter.Int64BitsToDouble(long.Parse(bits, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            Assert.True(text == MetadataJson.FormatFloat(value), $"{bits}: Python {text}, ours {MetadataJson.FormatFloat(value)}");
            Assert.Equal(value, (double)MetadataJson.Parse($"{{\"x\": {text}}}")["x"]!);
        }
    }

    [Fact]
    public void Parsing_keeps_key_order_number_kinds_and_escapes()
    {
        var metadata = MetadataJson.Parse("""  {"z": 1, "a": 2.5e0, "big": 123456789012345678901234567890, "s": "\u00e9\ud83d\ude00\/", "n": null, "l": [true, -0, 1e400]} """);

        Assert.Equal(["z", "a", "big", "s", "n", "l"], metadata.Keys);
        Assert.IsType<long>(metadata["z"]);
        Assert.Equal(2.5, Assert.IsType<double>(metadata["a"]));
        Assert.Equal(BigInteger.Parse("123456789012345678901234567890", CultureInfo.InvariantCulture), metadata["big"]);
        Assert.Equal("\u00e9\U0001F600/", metadata["s"]);
        Assert.Equal("""{"z": 1, "a": 2.5, "big": 123456789012345678901234567890, "s": "\u00e9\ud83d\ude00/", "n": null, "l": [true, 0, Infinity]}""", metadata.ToString());
    }

    [Fact]
    public void A_repeated_key_keeps_its_first_place_and_its_last_value_like_a_Python_dict()
    {
        Assert.Equal("""{"a": 3, "b": 2}""", MetadataJson.Parse("""{"a": 1, "b": 2, "a": 3}""").ToString());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("{\"a\": 01}")]
    [InlineData("{\"a\": 1,}")]
    [InlineData("{\"a\": \"x\ny\"}")]
    [InlineData("{\"a\": 1} x")]
    [InlineData("{\"a\": tru}")]
    [InlineData("{\"a\": \"\\x\"}")]
    [InlineData("{")]
    public void What_Python_would_refuse_is_refused(string json)
    {
        Assert.Throws<FormatException>(() => MetadataJson.Parse(json));
    }

    [Fact]
    public void Hostile_nesting_is_refused_rather_than_overflowing_the_stack()
    {
        Assert.Throws<FormatException>(() => MetadataJson.Parse("{\"a\": " + new string('[', 100000)));
    }

    [Fact]
    public void An_object_with_200000_keys_parses_and_keeps_them_in_order()
    {
        // Key positions are indexed, so a hostile writer's huge object costs a reader linear time.
        var json = "{" + string.Join(", ", Enumerable.Range(0, 200_000).Select(i => $"\"k{i}\": {i}")) + "}";
        var metadata = MetadataJson.Parse(json);
        Assert.Equal(200_000, metadata.Count);
        Assert.Equal("k199999", metadata.Keys.Last());
    }

    [Fact]
    public void Metadata_objects_are_immutable_and_keep_positions_when_a_key_is_replaced()
    {
        var metadata = MetadataObject.Of(("a", 1), ("b", 2));
        var changed = metadata.With("a", 9).With("c", 3).Without("b");
        Assert.Equal("""{"a": 1, "b": 2}""", metadata.ToString());
        Assert.Equal("""{"a": 9, "c": 3}""", changed.ToString());
        Assert.Throws<ArgumentException>(() => MetadataObject.Of(("bad", new object())));
    }
}
