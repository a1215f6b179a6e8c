using System.Globalization;
using Granary.Core.Directories;
using Granary.Testing.Vectors;

namespace Granary.Core.Tests.Directories;

/// <summary>Turns YAML metadata from the sample into <see cref="MetadataObject"/>s, keeping ints and floats apart as PyYAML does.</summary>
internal static class KatMetadata
{
    public static MetadataObject From(object? node) => (MetadataObject)Convert(node.AsMap())!;

    private static object? Convert(object? node) => node switch
    {
        OrderedDictionary<string, object?> map => new MetadataObject(map.Select(e => new KeyValuePair<string, object?>(e.Key, Convert(e.Value)))),
        List<object?> list => list.Select(Convert).ToList(),
        YamlScalar { Quoted: true } quoted => quoted.Text,
        YamlScalar { Text: "null" or "~" } => null,
        YamlScalar { Text: "true" } => true,
        YamlScalar { Text: "false" } => false,
        YamlScalar plain when long.TryParse(plain.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => integer,
        YamlScalar plain when double.TryParse(plain.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) => real,
        YamlScalar plain => plain.Text,
        _ => throw new FormatException($"Unexpected metadata node {node}."),
    };
}
