using System.CommandLine;
using Granary.Client;
using Granary.Client.Paths;
using Granary.Core.Caps;
using Granary.Core.Mutable;

namespace Granary.Cli.Commands;

/// <summary>The client directory option every file command takes, and the client it builds.</summary>
internal static class ClientOptions
{
    public static Option<DirectoryInfo> ClientDir() => new("--client-dir")
    {
        Description = $"The client directory (secrets and grid settings); default ${ClientDirectory.EnvironmentVariable}, else ~/.granary/client. 'granary grid up' writes one; secrets are made on first upload.",
        HelpName = "DIR",
    };

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
    /// The client the command's client directory describes, with its grid found: the static
    /// servers, those its hubs introduce and those published in its DHT. Trouble with one source is
    /// a warning on standard error; no server at all is an error that says where to look.
    /// </summary>
    public static async Task<GranaryClient> ConnectAsync(CommandContext context, Option<DirectoryInfo> option, CancellationToken cancellationToken)
    {
        var directory = OpenDirectory(context, option);
        if (!directory.Configured)
        {
            throw new GridUnavailableException(
                $"{Path.Combine(directory.Path, ClientDirectory.ConfigFile)} does not exist: give the client directory 'granary grid up' wrote (--client-dir DIR or ${ClientDirectory.EnvironmentVariable}), or write one that lists hubs, servers or dhtBootstrap (see README)");
        }

        GranaryClient client;
        try
        {
            client = await GranaryClientBuilder.FromDirectory(directory).WithTime(Hosting.SteerableClock.FromEnvironment()).BuildAsync(cancellationToken);
        }
        catch (GridUnavailableException e)
        {
            foreach (var warning in e.Warnings)
            {
                await context.Error.WriteLineAsync($"warning: {warning}");
            }

            throw;
        }

        foreach (var warning in client.Warnings)
        {
            await context.Error.WriteLineAsync($"warning: {warning}");
        }

        return client;
    }

    /// <summary>Hands a file or directory just made to the client's hubs to keep, unless client.json says not to; warns of each hub that did not take it.</summary>
    public static async Task KeepNewAsync(CommandContext context, ClientDirectory directory, GranaryClient client, Cap cap, CancellationToken cancellationToken)
    {
        if (!directory.Config.KeepWithHubs)
        {
            return;
        }

        foreach (var warning in await client.Keeper.KeepNewAsync(cap, cancellationToken))
        {
            await context.Error.WriteLineAsync($"warning: {warning}");
        }
    }

    /// <summary>A client that needs no server (for literal caps), from the command's client directory if it has settings.</summary>
    public static GranaryClient Offline(CommandContext context, Option<DirectoryInfo> option) =>
        GranaryClientBuilder.FromDirectory(OpenDirectory(context, option)).BuildOffline();

    /// <summary>The command's client directory, opened without creating anything.</summary>
    public static ClientDirectory OpenDirectory(CommandContext context, Option<DirectoryInfo> option) =>
        ClientDirectory.Open(context.Parse.GetValue(option)?.FullName ?? ClientDirectory.DefaultPath());

    /// <summary>A grid path (<c>alias:path</c>, or a cap with an optional <c>/path</c>); a malformed one is a usage error.</summary>
    public static GridPath ParsePath(string text, ClientDirectory directory)
    {
        try
        {
            return GridPath.Parse(text.Contains(':', StringComparison.Ordinal) ? text : AliasTable.DefaultAlias + ":" + text, directory.Aliases);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The <c>--format sdmf|mdmf</c> option mutable commands take.</summary>
    public static Option<string> Format(string description) => new("--format")
    {
        Description = description,
        HelpName = "sdmf|mdmf",
    };

    /// <summary>The mutable format a <c>--format</c> value names (null when absent).</summary>
    public static MutableFormat? ParseFormat(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "sdmf" => MutableFormat.Sdmf,
        "mdmf" => MutableFormat.Mdmf,
        "chk" => null,
        _ => throw new UsageException($"--format '{text}' is not sdmf or mdmf"),
    };

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
