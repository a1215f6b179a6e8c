using System.Text.Json;

namespace Granary.Hub.Tests;

/// <summary>test/vectors/dataserv-kat.json: values computed by running dataserv 2.2.11 itself.</summary>
internal static class DataservKnownAnswers
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "dataserv-kat.json"))).RootElement);

    public static string String(string name) => Root.Value.GetProperty(name).GetString()!;

    public static IEnumerable<(string Key, JsonElement Value)> Entries(string name) =>
        Root.Value.GetProperty(name).EnumerateObject().Select(p => (p.Name, p.Value));
}
