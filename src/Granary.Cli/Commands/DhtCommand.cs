using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Granary.Core.Identity;
using Granary.Dht;
using Granary.Dht.Map;
using Granary.Dht.Records;
using Granary.Dht.Transport;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary dht …</c>, storjnode's commands: run a node, put and get values, send direct and
/// relayed messages, show the node's id and reachability, map the network, simulate one. Every
/// command but <c>run</c>, <c>showid</c>, <c>version</c> and <c>simulate</c> joins as a transient
/// node through <c>--bootstrap</c> and leaves when done.
/// </summary>
internal static class DhtCommand
{
    public static Command Create()
    {
        var command = new Command("dht", "The peer-to-peer overlay: a Kademlia DHT with signed values and messages.");
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Put());
        command.Subcommands.Add(Get());
        command.Subcommands.Add(Message("direct-message", "Send a signed message straight to a node, found by a lookup.", relay: false));
        command.Subcommands.Add(Message("relay-message", "Send a signed message hop by hop through nodes ever closer to the recipient.", relay: true));
        command.Subcommands.Add(ShowId());
        command.Subcommands.Add(ShowType());
        command.Subcommands.Add(MapCommand());
        command.Subcommands.Add(Version());
        command.Subcommands.Add(DhtSimulateCommand.Create());
        return command;
    }

    private static Option<FileInfo> KeyOption() => new("--key")
    {
        Description = "The node key file (from 'granary key new'); default $GRANARY_DHT_KEY, else ~/.granary/dht.key, made on first use.",
        HelpName = "FILE",
    };

    private static Option<string[]> BootstrapOption() => new("--bootstrap")
    {
        Description = "A node to join through, HOST:PORT (repeatable); default $GRANARY_DHT_BOOTSTRAP (comma-separated).",
        HelpName = "HOST:PORT",
        AllowMultipleArgumentsPerToken = false,
    };

    private static Command Run()
    {
        var port = new Option<int>("--port") { Description = "UDP port (0: any free port).", DefaultValueFactory = _ => 0 };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "0.0.0.0" };
        var key = new Option<FileInfo>("--key") { Description = "The node key file; default: a new key for this run.", HelpName = "FILE" };
        var bootstrap = BootstrapOption();
        var command = new Command("run", "Run a DHT node until Ctrl-C or SIGTERM. Its first line of output is ID@HOST:PORT; then one JSON line per message it receives.")
        {
            port, host, key, bootstrap,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            using var nodeKey = context.Parse.GetValue(key) is { } file ? ReadKey(file.FullName) : NodeKey.Generate();
            var address = ParseAddress(context.Parse.GetValue(host)!);
            var portNumber = context.Parse.GetValue(port);
            if (portNumber is < 0 or > 65535)
            {
                throw new UsageException("--port must be between 0 and 65535");
            }

            await using var node = DhtNode.Create(nodeKey, Bind(new IPEndPoint(address, portNumber)), logger: null);
            var output = TextWriter.Synchronized(context.Output);
            node.MessageReceived += message => output.WriteLine(JsonSerializer.Serialize(new
            {
                from = message.Origin.ToString(),
                via = message.Relayed ? "relay" : "direct",
                hops = message.Hops,
                sent = message.SentAt,
                text = message.Text,
            }));
            node.Start();
            var shown = address.Equals(IPAddress.Any) ? IPAddress.Loopback : address;
            await output.WriteLineAsync($"{node.Id}@{(shown.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{shown}]" : shown)}:{node.EndPoint.Port}");
            await output.FlushAsync(cancellationToken);
            var seeds = Seeds(context, bootstrap, required: false);
            if (seeds.Count > 0)
            {
                await node.BootstrapAsync(seeds, cancellationToken);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            return GranaryCli.Success;
        });
        return command;
    }

    private static Command Put()
    {
        var keyName = new Argument<string>("KEY") { Description = $"The name to store under (at most {DhtRecord.MaxSaltSize} bytes); the value is yours: only your key can replace it." };
        var value = new Argument<string>("VALUE") { Description = $"The value (at most {DhtRecord.MaxValueSize} bytes of UTF-8)." };
        var key = KeyOption();
        var bootstrap = BootstrapOption();
        var command = new Command("put", "Store a value under a name, signed by your key; a later put replaces it. Prints where it lives.") { keyName, value, key, bootstrap };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            using var identity = Identity(context, key);
            var name = context.Parse.GetValue(keyName)!;
            var bytes = Encoding.UTF8.GetBytes(context.Parse.GetValue(value)!);
            if (Encoding.UTF8.GetByteCount(name) > DhtRecord.MaxSaltSize || bytes.Length > DhtRecord.MaxValueSize)
            {
                throw new UsageException($"KEY is at most {DhtRecord.MaxSaltSize} bytes and VALUE at most {DhtRecord.MaxValueSize}");
            }

            await using var node = await JoinAsync(context, identity, bootstrap, cancellationToken);

            // Sequence numbers are the clock's milliseconds: a later put from anywhere wins.
            var record = DhtRecord.Mutable(identity, name, bytes, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var stored = await node.PutAsync(record, cancellationToken);
            if (stored == 0)
            {
                await context.Error.WriteLineAsync("granary dht put: no node took the value");
                return GranaryCli.Failure;
            }

            await context.Output.WriteLineAsync($"stored {record.Key} (owner {identity.NodeId}, name \"{name}\") on {stored} nodes");
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command Get()
    {
        var keyName = new Argument<string>("KEY") { Description = "The name a value was put under (or, with --hash, its 40-hex DHT key)." };
        var owner = new Option<string>("--owner") { Description = "Whose value: a node id or address (default: yours).", HelpName = "NODEID" };
        var hash = new Option<bool>("--hash") { Description = "KEY is the value's 40-hex DHT key, as put prints it." };
        var key = KeyOption();
        var bootstrap = BootstrapOption();
        var command = new Command("get", "Print the value stored under a name; exit 1 when no node has it.") { keyName, owner, hash, key, bootstrap };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var text = context.Parse.GetValue(keyName)!;
            using var identity = Identity(context, key);
            NodeId dhtKey;
            if (context.Parse.GetValue(hash))
            {
                dhtKey = NodeId.TryParse(text, out var parsed, out var error) ? parsed : throw new UsageException($"KEY: {error}");
            }
            else
            {
                var ownerId = identity.NodeId;
                if (context.Parse.GetValue(owner) is { } ownerText && !NodeId.TryParse(ownerText, out ownerId, out var error))
                {
                    throw new UsageException($"--owner: {error}");
                }

                dhtKey = DhtRecord.MutableKey(ownerId, text);
            }

            await using var node = await JoinAsync(context, identity, bootstrap, cancellationToken);
            if (await node.GetAsync(dhtKey, cancellationToken) is not { } record)
            {
                await context.Error.WriteLineAsync($"granary dht get: no value under {dhtKey}");
                return GranaryCli.Failure;
            }

            await context.Output.WriteLineAsync(Encoding.UTF8.GetString(record.Value));
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command Message(string name, string description, bool relay)
    {
        var recipient = new Argument<string>("NODEID") { Description = "The recipient's node id (40 hex digits) or address." };
        var text = new Argument<string>("MESSAGE") { Description = "The text (at most 700 bytes of UTF-8)." };
        var key = KeyOption();
        var bootstrap = BootstrapOption();
        var command = new Command(name, description) { recipient, text, key, bootstrap };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            if (!NodeId.TryParse(context.Parse.GetValue(recipient)!, out var to, out var error))
            {
                throw new UsageException($"NODEID: {error}");
            }

            var message = context.Parse.GetValue(text)!;
            if (Encoding.UTF8.GetByteCount(message) > 700)
            {
                throw new UsageException("MESSAGE is at most 700 bytes");
            }

            using var identity = Identity(context, key);
            await using var node = await JoinAsync(context, identity, bootstrap, cancellationToken);
            if (relay)
            {
                var outcome = await node.SendRelayAsync(to, message, cancellationToken);
                if (outcome != RelayOutcome.Accepted)
                {
                    await context.Error.WriteLineAsync($"granary dht relay-message: {(outcome == RelayOutcome.NoRoute ? "no known node is closer to the recipient" : "the next node did not take the message")}");
                    return GranaryCli.Failure;
                }

                await context.Output.WriteLineAsync($"relayed toward {to}");
                return GranaryCli.Success;
            }

            if (!await node.SendDirectAsync(to, message, cancellationToken))
            {
                await context.Error.WriteLineAsync($"granary dht direct-message: node {to} was not found or did not take the message");
                return GranaryCli.Failure;
            }

            await context.Output.WriteLineAsync($"delivered to {to}");
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command ShowId()
    {
        var key = KeyOption();
        var command = new Command("showid", "Print this identity's node id (and its bitcoin address).") { key };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            using var identity = Identity(context, key);
            await context.Output.WriteLineAsync($"{identity.NodeId} {identity.Address}");
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command ShowType()
    {
        var key = KeyOption();
        var bootstrap = BootstrapOption();
        var command = new Command("showtype", "Ask peers how they see this machine: public (reachable at its own address) or private (behind a NAT).") { key, bootstrap };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            using var identity = Identity(context, key);
            await using var node = await JoinAsync(context, identity, bootstrap, cancellationToken);
            var reachability = await node.CheckReachabilityAsync(cancellationToken);
            await context.Output.WriteLineAsync($"{reachability.ToString().ToLowerInvariant()}{(node.PublicEndPoint is { } seen ? $" (peers see {seen})" : "")}");
            return reachability == Reachability.Unknown ? GranaryCli.Failure : GranaryCli.Success;
        });
        return command;
    }

    private static Command MapCommand()
    {
        var output = new Option<FileInfo>("--out") { Description = "Where to write the SVG drawing.", Required = true, HelpName = "FILE.svg" };
        var json = new Option<FileInfo>("--json") { Description = "Also write the graph as JSON here.", HelpName = "FILE.json" };
        var maxNodes = new Option<int>("--max-nodes") { Description = "Stop mapping after this many nodes.", DefaultValueFactory = _ => 1000 };
        var key = KeyOption();
        var bootstrap = BootstrapOption();
        var command = new Command("map", "Crawl the network (16 nodes at a time) and draw who knows whom.") { output, json, maxNodes, key, bootstrap };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            using var identity = Identity(context, key);
            await using var node = await JoinAsync(context, identity, bootstrap, cancellationToken);
            var graph = await NetworkMap.CrawlAsync(node, context.Parse.GetValue(maxNodes), cancellationToken: cancellationToken);
            await File.WriteAllTextAsync(context.Parse.GetValue(output)!.FullName, graph.ToSvg(), cancellationToken);
            if (context.Parse.GetValue(json) is { } jsonFile)
            {
                await File.WriteAllTextAsync(jsonFile.FullName, graph.ToJson(), cancellationToken);
            }

            await context.Output.WriteLineAsync($"mapped {graph.Nodes.Count} nodes ({graph.Nodes.Count(n => n.Answered)} answered) and {graph.Edges.Count} links");
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command Version()
    {
        var command = new Command("version", "Print the DHT protocol version and Granary's.");
        CommandRunner.SetAction(command, async (context, _) =>
        {
            await context.Output.WriteLineAsync($"granary-dht/1 ({Hosting.GranaryWebApp.ApplicationVersion})");
            return GranaryCli.Success;
        });
        return command;
    }

    /// <summary>A transient node on a free UDP port, joined through the bootstrap nodes.</summary>
    private static async Task<DhtNode> JoinAsync(CommandContext context, NodeKey identity, Option<string[]> bootstrap, CancellationToken cancellationToken)
    {
        var seeds = Seeds(context, bootstrap, required: true);
        var node = DhtNode.Create(identity, Bind(new IPEndPoint(seeds.All(s => IPAddress.IsLoopback(s.Address)) ? IPAddress.Loopback : IPAddress.Any, 0)));
        node.Start();
        if (await node.BootstrapAsync(seeds, cancellationToken) == 0)
        {
            await node.DisposeAsync();
            throw new IOException($"no bootstrap node answered ({string.Join(", ", seeds)})");
        }

        return node;
    }

    internal static List<IPEndPoint> Seeds(CommandContext context, Option<string[]> option, bool required)
    {
        var texts = context.Parse.GetValue(option) is { Length: > 0 } given
            ? given
            : (Environment.GetEnvironmentVariable("GRANARY_DHT_BOOTSTRAP") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (required && texts.Length == 0)
        {
            throw new UsageException("name a node to join through with --bootstrap HOST:PORT (or set GRANARY_DHT_BOOTSTRAP)");
        }

        return [.. texts.Select(ParseSeed)];
    }

    internal static IPEndPoint ParseSeed(string text)
    {
        try
        {
            return DhtSeed.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--bootstrap: {e.Message}");
        }
    }

    internal static IDhtTransport Bind(IPEndPoint endPoint)
    {
        try
        {
            return new UdpTransport(endPoint);
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot listen on UDP {endPoint}: {e.Message}", e);
        }
    }

    /// <summary>The key from --key, $GRANARY_DHT_KEY or ~/.granary/dht.key (made, mode 0600, on first use).</summary>
    private static NodeKey Identity(CommandContext context, Option<FileInfo> option)
    {
        var path = context.Parse.GetValue(option)?.FullName
            ?? Environment.GetEnvironmentVariable("GRANARY_DHT_KEY")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".granary", "dht.key");
        if (!File.Exists(path) && context.Parse.GetValue(option) is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var fresh = NodeKey.Generate();
            KeyFile.Write(path, fresh);
        }

        return ReadKey(path);
    }

    private static NodeKey ReadKey(string path)
    {
        try
        {
            return KeyFile.Read(path);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"no key file at {path} (make one with 'granary key new --out {path}')");
        }
    }

    private static IPAddress ParseAddress(string text) =>
        IPAddress.TryParse(text, out var address) ? address : throw new UsageException($"--host '{text}' is not an IP address");
}
