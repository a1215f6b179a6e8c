using System.Text.Json;
using System.Text.Json.Nodes;
using Granary.Core.Files;

namespace Granary.Core.Identity;

/// <summary>
/// A node key on disk: <c>{"format": "granary-key", "version": 1, "key": "&lt;WIF or xprv&gt;"}</c>,
/// mode 0600. The format carries a version so a change to it is deliberate.
/// </summary>
public static class KeyFile
{
    public const string Format = "granary-key";
    public const int Version = 1;

    public static void Write(string path, NodeKey key, bool overwrite = false) => SecretFile.Write(path, ToJson(key), overwrite);

    /// <summary>The key file's contents for <paramref name="key"/>: a secret.</summary>
    public static string ToJson(NodeKey key) => new JsonObject
    {
        ["format"] = Format,
        ["version"] = Version,
        ["key"] = key.Serialize(),
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>Reads a key file; throws <see cref="FormatException"/> or <see cref="IOException"/> saying what is wrong.</summary>
    public static NodeKey Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Key file '{path}' does not exist.", path);
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(SecretFile.Read(path));
        }
        catch (JsonException e)
        {
            throw new FormatException($"Key file '{path}' is not JSON: {e.Message}", e);
        }

        if (root is not JsonObject obj || (string?)obj["format"] != Format)
        {
            throw new FormatException($"'{path}' is not a Granary key file (no \"format\": \"{Format}\").");
        }

        if (obj["version"] is not JsonValue version || !version.TryGetValue(out int number) || number != Version)
        {
            throw new FormatException($"Key file '{path}' has version {obj["version"]?.ToJsonString() ?? "none"}; this Granary reads version {Version}.");
        }

        var text = obj["key"] is JsonValue value && value.TryGetValue(out string? key) ? key : null;
        if (text is null)
        {
            throw new FormatException($"Key file '{path}' has no \"key\".");
        }

        return NodeKey.TryParse(text, out var nodeKey, out var error)
            ? nodeKey!
            : throw new FormatException($"Key file '{path}' holds no valid key: {error}.");
    }
}
