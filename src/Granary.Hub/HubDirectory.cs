using Granary.Core.Identity;
using Microsoft.Extensions.Configuration;

namespace Granary.Hub;

/// <summary>
/// A hub's directory: <c>hub.json</c> (settings), <c>hub.key</c> (its identity, 0600; its address
/// is the one farmers sign to) and, unless a PostgreSQL URL is configured, <c>hub.db</c> (SQLite).
/// </summary>
public sealed class HubDirectory
{
    public const string ConfigFile = "hub.json";
    public const string KeyFileName = "hub.key";
    public const string SqliteFileName = "hub.db";
    public const string EnvironmentPrefix = "GRANARY_HUB_";

    private HubDirectory(string path, HubOptions options, NodeKey key)
    {
        Path = path;
        Options = options;
        Key = key;
    }

    public string Path { get; }

    public HubOptions Options { get; }

    public NodeKey Key { get; }

    /// <summary>The hub's bitcoin address: what /api/address shows and farmers sign to.</summary>
    public string Address => Key.Address.ToString();

    public string SqlitePath => System.IO.Path.Combine(Path, SqliteFileName);

    /// <summary>Creates a hub directory with a new key; refuses to touch an existing hub.</summary>
    public static HubDirectory Create(string path, HubOptions options)
    {
        options.Validate();
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(System.IO.Path.Combine(full, ConfigFile)))
        {
            throw new IOException($"'{path}' already holds a hub ({ConfigFile} exists).");
        }

        Directory.CreateDirectory(full);
        using (var key = NodeKey.Generate())
        {
            KeyFile.Write(System.IO.Path.Combine(full, KeyFileName), key);
        }

        File.WriteAllText(System.IO.Path.Combine(full, ConfigFile), System.Text.Json.JsonSerializer.Serialize(options, HubJson.Config) + "\n");
        return Open(full);
    }

    /// <summary>Rewrites hub.json (for settings changed after creation).</summary>
    public void SaveOptions() =>
        File.WriteAllText(System.IO.Path.Combine(Path, ConfigFile), System.Text.Json.JsonSerializer.Serialize(Options, HubJson.Config) + "\n");

    /// <summary>Opens a hub directory, validating its settings with messages that say what to fix.</summary>
    public static HubDirectory Open(string path, Action<HubOptions>? overrides = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        var config = System.IO.Path.Combine(full, ConfigFile);
        if (!File.Exists(config))
        {
            throw new FileNotFoundException($"'{path}' is not a hub directory (no {ConfigFile}); create one with 'granary hub create {path}'.", config);
        }

        HubOptions options;
        try
        {
            options = new ConfigurationBuilder()
                .AddJsonFile(config, optional: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .Build()
                .Get<HubOptions>() ?? new HubOptions();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{config} is not valid: {e.Message}", e);
        }

        overrides?.Invoke(options);
        options.Validate();
        return new HubDirectory(full, options, KeyFile.Read(System.IO.Path.Combine(full, KeyFileName)));
    }
}

internal static class HubJson
{
    public static System.Text.Json.JsonSerializerOptions Config { get; } = new(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };
}
