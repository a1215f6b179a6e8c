using System.Security.Cryptography;
using Granary.Core.Files;
using Granary.Core.Formats;
using Granary.Core.Identity;
using Granary.Core.Protocol;
using Microsoft.Extensions.Configuration;

namespace Granary.Storage;

/// <summary>
/// A storage node's directory: <c>node.json</c> (settings), <c>node.key</c> (its identity, 0600),
/// <c>storage-secret</c> (what clients must present, 0600) and the share store beside them.
/// </summary>
public sealed class NodeDirectory
{
    public const string ConfigFile = "node.json";
    public const string KeyFileName = "node.key";
    public const string SecretFileName = "storage-secret";
    public const string EnvironmentPrefix = "GRANARY_NODE_";

    private NodeDirectory(string path, StorageNodeOptions options, NodeKey key, byte[] secret)
    {
        Path = path;
        Options = options;
        Key = key;
        Secret = secret;
    }

    public string Path { get; }

    public StorageNodeOptions Options { get; }

    public NodeKey Key { get; }

    public byte[] Secret { get; }

    /// <summary>The URL clients use, with the configured host (a wildcard host is shown as loopback).</summary>
    public StorageUrl Url => new(Key.NodeId, Options.Host is "0.0.0.0" or "::" or "*" ? "127.0.0.1" : Options.Host, Options.Port, Secret);

    /// <summary>Creates a node directory with a new key and secret; refuses to touch an existing node.</summary>
    public static NodeDirectory Create(string path, StorageNodeOptions options)
    {
        options.Validate();
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(System.IO.Path.Combine(full, ConfigFile)))
        {
            throw new IOException($"'{path}' already holds a node ({ConfigFile} exists).");
        }

        Directory.CreateDirectory(full);
        using var key = NodeKey.Generate();
        KeyFile.Write(System.IO.Path.Combine(full, KeyFileName), key);
        SecretFile.Write(System.IO.Path.Combine(full, SecretFileName), Base32.Encode(RandomNumberGenerator.GetBytes(StorageUrl.SecretSize)) + "\n");
        File.WriteAllText(
            System.IO.Path.Combine(full, ConfigFile),
            System.Text.Json.JsonSerializer.Serialize(options, ConfigJson.Options) + "\n");
        return Open(full);
    }

    /// <summary>Opens a node directory, validating its settings and secrets with messages that say what to fix.</summary>
    public static NodeDirectory Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var config = System.IO.Path.Combine(full, ConfigFile);
        if (!File.Exists(config))
        {
            throw new FileNotFoundException($"'{path}' is not a node directory (no {ConfigFile}); create one with 'granary node create {path}'.", config);
        }

        StorageNodeOptions options;
        try
        {
            options = new ConfigurationBuilder()
                .AddJsonFile(config, optional: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .Build()
                .Get<StorageNodeOptions>() ?? new StorageNodeOptions();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{config} is not valid: {e.Message}", e);
        }

        options.Validate();
        var key = KeyFile.Read(System.IO.Path.Combine(full, KeyFileName));
        var secretText = SecretFile.Read(System.IO.Path.Combine(full, SecretFileName)).Trim();
        if (!Base32.TryDecode(secretText, out var secret, out var error) || secret.Length != StorageUrl.SecretSize)
        {
            throw new InvalidOperationException($"{SecretFileName} in '{path}' does not hold a 32-byte base32 secret ({error}).");
        }

        return new NodeDirectory(full, options, key, secret);
    }

    /// <summary>Rewrites node.json (for settings changed after creation).</summary>
    public void SaveOptions() =>
        File.WriteAllText(System.IO.Path.Combine(Path, ConfigFile), System.Text.Json.JsonSerializer.Serialize(Options, ConfigJson.Options) + "\n");
}

internal static class ConfigJson
{
    public static System.Text.Json.JsonSerializerOptions Options { get; } = new(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };
}
