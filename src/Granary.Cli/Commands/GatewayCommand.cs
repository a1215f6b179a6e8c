using System.CommandLine;
using System.Diagnostics;
using Granary.Client;
using Granary.Gateway;
using Granary.Hosting;

namespace Granary.Cli.Commands;

/// <summary><c>granary gateway run</c> (the web gateway: Tahoe's web API and a web UI) and <c>granary webopen</c>.</summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var command = new Command("gateway", "Serve the web gateway: Tahoe-LAFS's web API (its CLI, curl, scripts) and a web UI for browsers, over this client's grid.");
        command.Subcommands.Add(Run());
        return command;
    }

    private static Command Run()
    {
        var clientDir = ClientOptions.ClientDir();
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen; loopback only unless --allow-remote (port 0: any free port).",
            DefaultValueFactory = _ => GatewayOptions.DefaultUrl,
            HelpName = "URL",
        };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Listen on a non-loopback address: anyone who reaches it can use every cap they know. Give --token too." };
        var token = new Option<string>("--token") { Description = "Require this bearer token (16+ characters) on every request; also read from $GRANARY_GATEWAY_TOKEN. The Tahoe CLI cannot send one.", HelpName = "TOKEN" };
        var noConvergence = new Option<bool>("--no-convergence") { Description = "Encrypt immutable uploads with a random key and stream them in one pass (no spooling, no deduplication); a request may still ask with ?convergence=true." };
        var spool = new Option<DirectoryInfo>("--spool-dir") { Description = "Where convergent uploads are spooled before their key is known (default: the system's temporary directory).", HelpName = "DIR" };
        var command = new Command("run", $"Serve until Ctrl-C or SIGTERM. Prints the gateway URL on standard output and writes it to {GatewayHost.NodeUrlFile} in the client directory, where Tahoe's CLI looks (tahoe --node-directory DIR).")
        {
            clientDir, urls, allowRemote, token, noConvergence, spool,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            if (!Uri.TryCreate(parse.GetValue(urls), UriKind.Absolute, out var url))
            {
                throw new UsageException($"--urls '{parse.GetValue(urls)}' is not an absolute http:// URL");
            }

            var options = new GatewayOptions
            {
                Url = url,
                AllowRemote = parse.GetValue(allowRemote),
                BearerToken = parse.GetValue(token) ?? (Environment.GetEnvironmentVariable("GRANARY_GATEWAY_TOKEN") is { Length: > 0 } fromEnvironment ? fromEnvironment : null),
                Convergent = !parse.GetValue(noConvergence),
                SpoolDirectory = parse.GetValue(spool)?.FullName,
            };
            try
            {
                options.Validate();
            }
            catch (InvalidOperationException e)
            {
                throw new UsageException(e.Message);
            }

            var directory = ClientOptions.OpenDirectory(context, clientDir);
            var client = await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            await using var grid = new GatewayGrid(client, ct => GranaryClientBuilder.FromDirectory(directory).BuildAsync(ct), directory.Config.Hubs, TimeProvider.System);
            await using var keeper = new GatewayKeeper(grid, directory.Config.KeepWithHubs && directory.Config.Hubs.Count > 0);
            var app = GatewayHost.Build(grid, options, keeper, new ServerHostOptions { Logging = Daemon.ConfigureLogging });
            return await Daemon.ServeAsync(context, app, url.Authority, () =>
            {
                var listening = GatewayHost.ListeningUrl(app);
                GatewayHost.WriteNodeUrl(directory.Path, listening);
                return listening.ToString();
            }, cancellationToken);
        });
        return command;
    }

    public static Command CreateWebopen()
    {
        var clientDir = ClientOptions.ClientDir();
        var path = new Argument<string>("PATH") { Description = "alias:path or a cap (default: the 'tahoe' alias).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("webopen", $"Print the gateway URL of a directory or file (from {GatewayHost.NodeUrlFile} in the client directory) and open it in a browser when there is a desktop.")
        {
            path, clientDir,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var directory = ClientOptions.OpenDirectory(context, clientDir);
            var nodeUrl = Path.Combine(directory.Path, GatewayHost.NodeUrlFile);
            if (!File.Exists(nodeUrl))
            {
                throw new UsageException($"{nodeUrl} does not exist: start a gateway first ('granary gateway run --client-dir {directory.Path}'; 'granary grid up' starts one)");
            }

            var gateway = new Uri((await File.ReadAllTextAsync(nodeUrl, cancellationToken)).Trim());
            var text = context.Parse.GetValue(path) ?? "";
            var target = ClientOptions.ParsePath(text, directory);
            var escaped = string.Join("/", [Uri.EscapeDataString(target.Root.ToString()), .. target.Segments.Select(Uri.EscapeDataString)]);
            var link = new Uri(gateway, "uri/" + escaped + (target.Root is Core.Caps.DirectoryCap && target.IsRoot ? "/" : ""));
            await context.Output.WriteLineAsync(link.ToString());
            OpenInBrowser(link);
            return GranaryCli.Success;
        });
        return command;
    }

    // Only where a desktop session is: a server or CI has no browser to start.
    private static void OpenInBrowser(Uri link)
    {
        if (Environment.GetEnvironmentVariable("DISPLAY") is not { Length: > 0 } && Environment.GetEnvironmentVariable("WAYLAND_DISPLAY") is not { Length: > 0 })
        {
            return;
        }

        try
        {
            using var opener = Process.Start(new ProcessStartInfo("xdg-open", [link.ToString()]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No xdg-open: the printed URL is enough.
        }
    }
}
