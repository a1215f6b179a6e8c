using System.Security.Cryptography;
using System.Text.Json;
using Granary.Core.Files;
using Granary.Core.Formats;
using Granary.Core.Protocol;

namespace Granary.Client;

/// <summary>
/// A client's directory: <c>client.json</c> (encoding parameters, the grid), and two secrets kept
/// as Tahoe-LAFS keeps them, base32 in files of mode 0600: <c>private/convergence</c> (files
/// encrypt to the same shares only under the same convergence secret) and <c>private/secret</c>
/// (from which lease secrets derive). Each secret is made the first time it is needed, so a command
/// that fails before storing anything leaves no directory behind.
/// </summary>
public sealed class ClientDirectory
{
    public const string ConfigFile = "client.json";
    public const string EnvironmentVariable = "GRANARY_CLIENT_DIR";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private ClientDirectory(string path, ClientConfig config)
    {
        Path = path;
        Config = config;
        Secrets = new ClientSecrets(() => Secret(path, "convergence"), () => Secret(path, "secret"));
    }

    public string Path { get; }

    public ClientConfig Config { get; }

    /// <summary>The directory's secrets, each made in its file the first time it is used.</summary>
    public ClientSecrets Secrets { get; }

    public string ConvergenceFile => System.IO.Path.Combine(Path, "private", "convergence");

    /// <summary>The directory's aliases (<c>private/aliases</c>, as Tahoe keeps them).</summary>
    public Paths.AliasTable Aliases => new(System.IO.Path.Combine(Path, "private", "aliases"));

    /// <summary>Whether the directory has a <c>client.json</c>.</summary>
    public bool Configured => File.Exists(System.IO.Path.Combine(Path, ConfigFile));

    /// <summary>Where a client directory lives when none is named: <c>$GRANARY_CLIENT_DIR</c>, else <c>~/.granary/client</c>.</summary>
    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
        if (home.Length == 0)
        {
            throw new InvalidOperationException($"There is no home directory to keep ~/.granary/client in; name a client directory with --client-dir or ${EnvironmentVariable}.");
        }

        return System.IO.Path.Combine(home, ".granary", "client");
    }

    /// <summary>
    /// Opens a client directory without creating anything: a directory without <c>client.json</c>
    /// has the default settings (and so no servers).
    /// </summary>
    public static ClientDirectory Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var configPath = System.IO.Path.Combine(full, ConfigFile);
        return new ClientDirectory(full, File.Exists(configPath) ? ReadConfig(configPath) : new ClientConfig());
    }

    /// <summary>Opens a client directory, writing <paramref name="initial"/> (or the default settings) as its <c>client.json</c> if it has none.</summary>
    public static ClientDirectory OpenOrCreate(string path, ClientConfig? initial = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        var configPath = System.IO.Path.Combine(full, ConfigFile);
        if (!File.Exists(configPath))
        {
            Directory.CreateDirectory(full);
            WriteConfig(configPath, initial ?? new ClientConfig());
        }

        return new ClientDirectory(full, ReadConfig(configPath));
    }

    private static ClientConfig ReadConfig(string configPath)
    {
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

        return config;
    }

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
