using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Granary.Hosting;
using Granary.Core.Formats;
using Granary.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Granary.Cli.Commands;

/// <summary><c>granary node create|run|show DIR</c>: a farmer's storage node.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var command = new Command("node", "Create, run and inspect a storage node (a farmer's share store served over HTTP).");
        command.Subcommands.Add(CreateNode());
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Argument<DirectoryInfo> DirArgument() => new("DIR") { Description = "The node's directory." };

    private static Command CreateNode()
    {
        var dir = DirArgument();
        var port = new Option<int?>("--port") { Description = "TCP port to serve on (default: a free port, chosen now and kept)." };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var capacity = new Option<string>("--capacity") { Description = "The most this node stores (e.g. 500GiB).", DefaultValueFactory = _ => "10GiB", HelpName = "SIZE" };
        var reserved = new Option<string>("--reserved") { Description = "Free disk space the node always leaves alone.", DefaultValueFactory = _ => "1GiB", HelpName = "SIZE" };
        var hubs = new Option<string[]>("--hub") { Description = "A hub to register with as a farmer and announce this node to (repeatable).", HelpName = "URL", AllowMultipleArgumentsPerToken = false };
        var payout = new Option<string>("--payout-address") { Description = "The bitcoin address hubs should credit (default: the node's own).", HelpName = "ADDRESS" };
        var farmContracts = new Option<int>("--farm-contracts")
        {
            Description = "Hold N downstream contracts (seeded test chunks) from each hub and answer their challenges in the background (needs --hub).",
            HelpName = "N",
        };
        var dht = new Option<bool>("--dht") { Description = "Join the DHT and publish this node's storage URL there (implied by --dht-bootstrap)." };
        var dhtPort = new Option<int?>("--dht-port") { Description = "UDP port for the DHT (default: a free port, chosen now and kept).", HelpName = "PORT" };
        var dhtBootstrap = new Option<string[]>("--dht-bootstrap") { Description = "A DHT node to join through, HOST:PORT (repeatable).", HelpName = "HOST:PORT", AllowMultipleArgumentsPerToken = false };
        var leaseDays = new Option<int>("--lease-days") { Description = "How long a lease added or renewed here runs.", DefaultValueFactory = _ => 31, HelpName = "DAYS" };
        var graceDays = new Option<int>("--lease-grace-days") { Description = "How long a share is kept after its last lease expired, before lease expiry removes it.", DefaultValueFactory = _ => 7, HelpName = "DAYS" };
        var noExpiry = new Option<bool>("--no-lease-expiry") { Description = "Never remove shares whose leases expired (Tahoe-LAFS's default)." };
        var dryRun = DryRunOption();
        var command = new Command("create", "Create a node directory: settings, a new node key and a storage secret.")
        {
            dir, port, host, capacity, reserved, hubs, payout, farmContracts, dht, dhtPort, dhtBootstrap, leaseDays, graceDays, noExpiry, dryRun,
        };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            var parse = context.Parse;
            var options = new StorageNodeOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port) ?? FreePort(),
                Capacity = Size("--capacity", parse.GetValue(capacity)!),
                Reserved = Size("--reserved", parse.GetValue(reserved)!),
                Hubs = [.. parse.GetValue(hubs) ?? []],
                PayoutAddress = parse.GetValue(payout),
                FarmContracts = parse.GetValue(farmContracts),
                LeaseDurationDays = parse.GetValue(leaseDays),
                GarbageCollection = new GarbageCollectionOptions
                {
                    Enabled = !parse.GetValue(noExpiry),
                    GraceDays = parse.GetValue(graceDays),
                    DryRun = parse.GetValue(dryRun),
                },
            };
            if (options.FarmContracts > 0 && options.Hubs.Count == 0)
            {
                throw new UsageException("--farm-contracts needs --hub: contracts come from hubs");
            }

            var seeds = parse.GetValue(dhtBootstrap) ?? [];
            if (parse.GetValue(dht) || seeds.Length > 0 || parse.GetValue(dhtPort) is not null)
            {
                options.Dht = new NodeDhtOptions { Port = parse.GetValue(dhtPort) ?? FreePort(), Bootstrap = [.. seeds.Select(s => DhtCommand.ParseSeed(s).ToString())] };
            }

            NodeDirectory node;
            try
            {
                node = NodeDirectory.Create(parse.GetValue(dir)!.FullName, options);
            }
            catch (InvalidOperationException e)
            {
                throw new UsageException(e.Message);
            }

            await context.Output.WriteLineAsync($"created node {node.Key.NodeId} in {node.Path}");
            await context.Output.WriteLineAsync($"storage URL: {node.Url}");
            await context.Output.WriteLineAsync(ExpiryText(node.Options));
            if (node.Options.Dht is { } settings)
            {
                await context.Output.WriteLineAsync($"will join the DHT on UDP port {settings.Port}{(settings.Bootstrap.Count > 0 ? " through " + string.Join(", ", settings.Bootstrap) : " as its first node")}");
            }

            foreach (var hub in node.Options.Hubs)
            {
                await context.Output.WriteLineAsync($"will register with hub {hub} as farmer {node.Key.Address}"
                    + (node.Options.FarmContracts > 0 ? $" and hold {node.Options.FarmContracts} downstream contracts from it" : ""));
            }

            return GranaryCli.Success;
        });
        return command;
    }

    private static Command Run()
    {
        var dir = DirArgument();
        var dryRun = DryRunOption();
        var command = new Command("run", "Serve the node until Ctrl-C or SIGTERM. Prints its storage URL on standard output; logs go to standard error.") { dir, dryRun };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var node = Open(context.Parse.GetValue(dir)!);
            if (context.Parse.GetValue(dryRun))
            {
                node.Options.GarbageCollection.DryRun = true; // for this run only: node.json is left as it is
            }

            var app = StorageNodeHost.Build(node, new ServerHostOptions { Logging = Daemon.ConfigureLogging });
            Func<IAsyncDisposable?>? dht = node.Options.Dht is null ? null : () => DhtPresence.JoinAndPublish(
                node,
                StorageNodeHost.ListeningUrl(app, node),
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Dht"),
                app.Lifetime.ApplicationStopping);
            return await Daemon.ServeAsync(context, app, $"{node.Options.Host}:{node.Options.Port}", () => StorageNodeHost.ListeningUrl(app, node).ToString(), cancellationToken, dht);
        });
        return command;
    }

    private static Command Show()
    {
        var dir = DirArgument();
        var command = new Command("show", "Print the node id and the storage URL clients need (the URL includes the node's secret).") { dir };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            var node = Open(context.Parse.GetValue(dir)!);
            await context.Output.WriteLineAsync($"node id:      {node.Key.NodeId}");
            await context.Output.WriteLineAsync($"address:      {node.Key.Address}");
            await context.Output.WriteLineAsync($"storage URL:  {node.Url}");
            await context.Output.WriteLineAsync($"capacity:     {ByteSize.Format(node.Options.Capacity)} (reserving {ByteSize.Format(node.Options.Reserved)} of free disk)");
            await context.Output.WriteLineAsync($"leases:       {ExpiryText(node.Options)}");
            if (node.Options.Hubs.Count > 0)
            {
                await context.Output.WriteLineAsync($"hubs:         {string.Join(", ", node.Options.Hubs)}");
                await context.Output.WriteLineAsync($"contracts:    {(node.Options.FarmContracts > 0 ? $"{node.Options.FarmContracts} from each hub" : "none")}");
            }
            return GranaryCli.Success;
        });
        return command;
    }

    private static Option<bool> DryRunOption() =>
        new("--lease-expiry-dry-run") { Description = "Log each share lease expiry would remove (event 1303) and remove nothing." };

    private static string ExpiryText(StorageNodeOptions options) =>
        $"leases run {options.LeaseDurationDays} days; " + (options.GarbageCollection switch
        {
            { Enabled: false } => "shares whose leases expired are kept (lease expiry off)",
            { DryRun: true } => $"lease expiry in dry run: logs shares unleased for {options.GarbageCollection.GraceDays} days, removes nothing",
            var gc => $"shares unleased for {gc.GraceDays} days are removed",
        });

    private static NodeDirectory Open(DirectoryInfo dir)
    {
        try
        {
            return NodeDirectory.Open(dir.FullName);
        }
        catch (FileNotFoundException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static long Size(string option, string text) =>
        ByteSize.TryParse(text, out var bytes, out var error) && bytes >= 0 ? bytes : throw new UsageException($"{option}: {error}");

    /// <summary>
    /// A port free right now, below Linux's ephemeral range (32768 and up) so that outgoing
    /// connections, which the kernel numbers from that range, cannot take it before the node binds.
    /// </summary>
    internal static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken; try another
            }
        }

        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }
}
