using System.CommandLine;
using Granary.Client;
using Granary.Client.Storage;

namespace Granary.Cli.Commands;

/// <summary>The client directory option every file command takes, and opening the grid it names.</summary>
internal static class ClientOptions
{
    private static readonly Lazy<HttpClient> Http = new(StorageClient.CreateHttpClient);

    /// <summary>A grid with no servers, for literal caps, which carry their file inside.</summary>
    public static StorageGrid NoServers => new([], Http.Value, TimeSpan.FromSeconds(1));

    public static Option<DirectoryInfo> ClientDir() => new("--client-dir")
    {
        Description = $"The client directory (secrets and grid settings); default ${ClientDirectory.EnvironmentVariable}, else ~/.granary/client. Created on first use.",
        HelpName = "DIR",
    };

    public static (ClientDirectory Client, StorageGrid Grid) Open(CommandContext context, Option<DirectoryInfo> option)
    {
        var path = context.Parse.GetValue(option)?.FullName ?? ClientDirectory.DefaultPath();
        ClientDirectory client;
        try
        {
            client = ClientDirectory.OpenOrCreate(path);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException(e.Message);
        }

        if (client.Config.Servers.Count == 0)
        {
            throw new UsageException(
                $"no storage servers are configured in {Path.Combine(client.Path, ClientDirectory.ConfigFile)}: list their storage URLs under \"servers\", or use the client directory 'granary grid up' writes");
        }

        return (client, new StorageGrid(client.ServerUrls, Http.Value, client.Config.RequestTimeout));
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
