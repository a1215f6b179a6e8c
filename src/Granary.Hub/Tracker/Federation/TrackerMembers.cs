using System.Text.Json;
using System.Text.Json.Nodes;
using Granary.Core.Files;

namespace Granary.Hub.Tracker.Federation;

/// <summary>A configured federation member: who it is, where it listens, and the key this pair of trackers shares.</summary>
public sealed record TrackerMember(string Id, string Name, Uri Url, byte[] Key, bool Join)
{
    public const int KeySize = 32;

    public bool SameAs(TrackerMember other) =>
        Id == other.Id && Name == other.Name && Url == other.Url && Join == other.Join && Key.AsSpan().SequenceEqual(other.Key);
}

/// <summary>
/// <c>DIR/tracker-members.json</c>: the federation's members with their shared keys, written 0600
/// like every secret. <c>granary hub members add/remove/list</c> edit it; a running hub reads it
/// again when it changes.
/// </summary>
public static class TrackerMembers
{
    public const string FileName = "tracker-members.json";
    public const string Format = "granary-tracker-members";
    public const int Version = 1;

    public static string PathIn(string hubDirectory) => Path.Combine(hubDirectory, FileName);

    /// <summary>The members in the file; none when there is no file. Throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static IReadOnlyList<TrackerMember> Load(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(SecretFile.Read(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not JSON: {e.Message}", e);
        }

        if (root is not JsonObject file || (string?)file["format"] != Format || (int?)file["version"] != Version || file["members"] is not JsonArray list)
        {
            throw new InvalidDataException($"{path} is not a {Format} file, version {Version}.");
        }

        var members = new List<TrackerMember>();
        foreach (var entry in list)
        {
            try
            {
                members.Add(Create(
                    (string?)entry?["id"] ?? "", (string?)entry?["name"], (string?)entry?["url"] ?? "", (string?)entry?["key"] ?? "", (bool?)entry?["join"] ?? false));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }
        }

        if (members.Select(m => m.Id).Distinct(StringComparer.Ordinal).Count() != members.Count)
        {
            throw new InvalidDataException($"{path} names a member twice.");
        }

        return members;
    }

    /// <summary>A member from what an operator typed; throws <see cref="ArgumentException"/> naming the bad part.</summary>
    public static TrackerMember Create(string id, string? name, string url, string key, bool join)
    {
        if (!TrackerOptions.IsValidId(id))
        {
            throw new ArgumentException($"member id '{id}' must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new ArgumentException($"member {id}: url '{url}' is not like http://HOST:PORT/");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(key);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"member {id}: the key is not base64");
        }

        if (bytes.Length != TrackerMember.KeySize)
        {
            throw new ArgumentException($"member {id}: the key must be {TrackerMember.KeySize} bytes (it is {bytes.Length})");
        }

        return new TrackerMember(id, string.IsNullOrEmpty(name) ? id : name, uri, bytes, join);
    }

    public static void Save(string path, IEnumerable<TrackerMember> members)
    {
        var list = new JsonArray();
        foreach (var member in members)
        {
            var entry = new JsonObject
            {
                ["id"] = member.Id,
                ["name"] = member.Name,
                ["url"] = member.Url.ToString(),
                ["key"] = Convert.ToBase64String(member.Key),
            };
            if (member.Join)
            {
                entry["join"] = true;
            }

            list.Add(entry);
        }

        var file = new JsonObject { ["format"] = Format, ["version"] = Version, ["members"] = list };
        SecretFile.Write(path, file.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", overwrite: true);
    }
}
