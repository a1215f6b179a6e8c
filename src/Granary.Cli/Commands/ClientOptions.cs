using System.CommandLine;
using Granary.Client;
using Granary.Client.Hubs;
using Granary.Client.Storage;
using Granary.Core.Caps;

namespace Granary.Cli.Commands;

/// <summary>The client directory option every file command takes, and opening the grid it names.</summary>
internal static class ClientOptions
{
    private static readonly Lazy<HttpClient> Http = new(StorageClient.CreateHttpClient);

    /// <summary>A grid with no servers, for literal caps, which carry their file inside.</summary>
    public static StorageGrid NoServers => new([], Http.Value, TimeSpan.FromSeconds(1));

    public static Option<DirectoryInfo> ClientDir() => new("--client-dir")
    {
        Description = $"The client directory (secrets and grid settings); default ${ClientDirectory.EnvironmentVariable}, else ~/.granary/client. 'granary grid up' writes one; secrets are made on first upload.",
        HelpName = "DIR",
    };

    /// <summary>The client directory a command names (or the default one), opened without creating anything.</summary>
    public static ClientDirectory OpenDirectory(CommandContext context, Option<DirectoryInfo> option) =>
        ClientDirectory.Open(context.Parse.GetValue(option)?.FullName ?? ClientDirectory.DefaultPath());

    /// <summary>The cap a command was given; a malformed one is a usage error that says what is wrong with it.</summary>
    public static Cap ParseCap(CommandContext context, Argument<string> argument)
    {
        try
        {
            return Cap.Parse(context.Parse.GetValue(argument)!);
        }
        catch (CapFormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>
    /// Opens the client dir and finds its grid: the static servers plus those its hubs introduce
    /// (whose encoding advice it takes, unless told not to). Hub trouble is a warning on standard
    /// error; no server at all is an error that says where to look.
    /// </summary>
    public static async Task<(ClientDirectory Client, StorageGrid Grid)> OpenAsync(CommandContext context, Option<DirectoryInfo> option, CancellationToken cancellationToken)
    {
        var client = OpenDirectory(context, option);
        var config = Path.Combine(client.Path, ClientDirectory.ConfigFile);
        if (!client.Configured)
        {
            throw new InvalidOperationException(
                $"{config} does not exist: give the client directory 'granary grid up' wrote (--client-dir DIR or ${ClientDirectory.EnvironmentVariable}), or write one that lists hubs, servers or dhtBootstrap (see README)");
        }

        if (client.Config.Servers.Count == 0 && client.Config.Hubs.Count == 0 && client.Config.DhtBootstrap.Count == 0)
        {
            throw new InvalidOperationException(
                $"no storage servers, hubs or DHT nodes are configured in {config}: list hub URLs under \"hubs\", storage URLs under \"servers\" or DHT nodes under \"dhtBootstrap\", or use the client directory 'granary grid up' writes");
        }

        var discovery = await GridDiscovery.DiscoverAsync(client.Config, Http.Value, cancellationToken);
        foreach (var warning in discovery.Warnings)
        {
            await context.Error.WriteLineAsync($"warning: {warning}");
        }

        var servers = discovery.Servers.ToList();
        if (client.Config.DhtBootstrap.Count > 0)
        {
            var seeds = client.Config.DhtBootstrap.Select(DhtCommand.ParseSeed).ToList();
            var published = await DhtStorage.FindStorageNodesAsync(seeds, cancellationToken);
            if (published.Count == 0)
            {
                await context.Error.WriteLineAsync($"warning: the DHT through {string.Join(", ", seeds)} holds no storage node");
            }

            servers.AddRange(published.Where(p => servers.All(s => s.NodeId != p.NodeId)));
        }

        if (servers.Count == 0)
        {
            throw new IOException($"no storage servers found: the hubs and DHT nodes in {config} introduced none{(discovery.Warnings.Count > 0 ? " (see the warnings above)" : "")}");
        }

        client.Config.Adopt(discovery.Advice);
        return (client, new StorageGrid(servers, Http.Value, client.Config.RequestTimeout));
    }

    /// <summary>Reports transfer progress on the status line.</summary>
    public static IProgress<TransferProgress> Progress(ProgressLine line)
    {
        var phase = "";
        return new SynchronousProgress<TransferProgress>(p =>
        {
            if (p.Phase != phase)
            {
                phase = p.Phase;
                line.Restart();
            }

            line.Report(p.Phase, p.Done, p.Total);
        });
    }
}
