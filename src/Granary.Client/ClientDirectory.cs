using System.Security.Cryptography;
using System.Text.Json;
using Granary.Core.Files;
using Granary.Core.Formats;
using Granary.Core.Leases;
using Granary.Core.Protocol;

namespace Granary.Client;

/// <summary>
/// A client's directory: <c>client.json</c> (encoding parameters, the grid), and two secrets kept
/// as Tahoe-LAFS keeps them, base32 in files of mode 0600: <c>private/convergence</c> (files
/// encrypt to the same shares only under the same convergence secret) and <c>private/secret</c>
/// (from which lease secrets derive). Created on first use.
/// </summary>
public sealed class ClientDirectory
{
    public const string ConfigFile = "client.json";
    public const string EnvironmentVariable = "GRANARY_CLIENT_DIR";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private ClientDirectory(string path, ClientConfig config, byte[] convergence, byte[] leaseSecret)
    {
        Path = path;
        Config = config;
        ConvergenceSecret = convergence;
        Leases = new LeaseSecrets(leaseSecret);
    }

    public string Path { get; }

    public ClientConfig Config { get; }

    public byte[] ConvergenceSecret { get; }

    public LeaseSecrets Leases { get; }

    public string ConvergenceFile => System.IO.Path.Combine(Path, "private", "convergence");

    /// <summary>Where a client directory lives when none is named: <c>$GRANARY_CLIENT_DIR</c>, else <c>~/.granary/client</c>.</summary>
    public static string DefaultPath() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".granary", "client");

    /// <summary>Opens a client directory, creating it (with new secrets and default settings) if it does not exist.</summary>
    public static ClientDirectory OpenOrCreate(string path, ClientConfig? initial = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        var configPath = System.IO.Path.Combine(full, ConfigFile);
        if (!File.Exists(configPath))
        {
            Directory.CreateDirectory(full);
            WriteConfig(configPath, initial ?? new ClientConfig());
        }

        ClientConfig config;
        try
        {
            config = JsonSerializer.Deserialize<ClientConfig>(File.ReadAllText(configPath), Json)
                ?? throw new InvalidOperationException($"{configPath} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{configPath} is not valid JSON: {e.Message}", e);
        }

        config.Validate();
        foreach (var server in config.Servers)
        {
            if (!StorageUrl.TryParse(server, out _, out var error))
            {
                throw new InvalidOperationException($"{configPath} lists a server that is not a storage URL: {error}.");
            }
        }

        return new ClientDirectory(full, config, Secret(full, "convergence"), Secret(full, "secret"));
    }

    public IReadOnlyList<StorageUrl> ServerUrls => Config.Servers.Select(StorageUrl.Parse).ToList();

    public void Save() => WriteConfig(System.IO.Path.Combine(Path, ConfigFile), Config);

    private static void WriteConfig(string path, ClientConfig config) =>
        File.WriteAllText(path, JsonSerializer.Serialize(config, Json) + "\n");

    // A 32-byte secret in private/NAME as base32 text, made on first use.
    private static byte[] Secret(string directory, string name)
    {
        var path = System.IO.Path.Combine(directory, "private", name);
        if (!File.Exists(path))
        {
            try
            {
                SecretFile.Write(path, Base32.Encode(RandomNumberGenerator.GetBytes(32)) + "\n");
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first; use theirs.
            }
        }

        var text = SecretFile.Read(path).Trim();
        if (!Base32.TryDecode(text, out var secret, out var error) || secret.Length == 0)
        {
            throw new InvalidOperationException($"{path} does not hold a base32 secret ({error}).");
        }

        return secret;
    }
}
