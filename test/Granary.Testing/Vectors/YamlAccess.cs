using System.Globalization;

namespace Granary.Testing.Vectors;

/// <summary>Typed reads from <see cref="MiniYaml"/> trees, failing loudly on a missing or mistyped field.</summary>
public static class YamlAccess
{
    public static OrderedDictionary<string, object?> AsMap(this object? node) =>
        node as OrderedDictionary<string, object?> ?? throw new FormatException($"Expected a mapping, got {node?.GetType().Name ?? "null"}.");

    public static List<object?> AsList(this object? node) =>
        node as List<object?> ?? throw new FormatException($"Expected a sequence, got {node?.GetType().Name ?? "null"}.");

    public static object? Get(this OrderedDictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No '{key}' in this mapping.");

    public static bool Has(this OrderedDictionary<string, object?> map, string key) => map.ContainsKey(key);

    public static string Str(this OrderedDictionary<string, object?> map, string key) =>
        map.Get(key) is YamlScalar scalar ? scalar.Text : throw new FormatException($"'{key}' is not a scalar.");

    /// <summary>A scalar that may be YAML <c>null</c>.</summary>
    public static string? StrOrNull(this OrderedDictionary<string, object?> map, string key) =>
        map.Get(key) is YamlScalar { Quoted: false, Text: "null" or "~" } ? null : map.Str(key);

    public static int Int(this OrderedDictionary<string, object?> map, string key) => int.Parse(map.Str(key), CultureInfo.InvariantCulture);

    public static long Long(this OrderedDictionary<string, object?> map, string key) => long.Parse(map.Str(key), CultureInfo.InvariantCulture);

    public static byte[] Hex(this OrderedDictionary<string, object?> map, string key) => Convert.FromHexString(map.Str(key));

    public static List<string> Strings(this OrderedDictionary<string, object?> map, string key)
    {
        var result = new List<string>();
        foreach (var item in map.Get(key).AsList())
        {
            result.Add(item is YamlScalar scalar ? scalar.Text : throw new FormatException($"'{key}' holds a non-scalar."));
        }

        return result;
    }
}
