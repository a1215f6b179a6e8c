using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Granary.Client;
using Granary.Client.Storage;
using Granary.Core.Protocol;
using Granary.Gateway;
using Granary.Hub;
using Granary.Storage;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary grid up|status|down</c>: a whole grid on this machine — a hub and N storage nodes, each
/// its own OS process — with a client directory at <c>DIR/client</c> that finds the nodes through the hub.
/// </summary>
internal static class GridCommand
{
    internal const string StateFile = "grid.json";

    // How long a node or hub gets to finish after SIGTERM before it is killed.
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var command = new Command("grid", "Run a local grid of storage nodes for trying Granary out and for tests.");
        command.Subcommands.Add(Up());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Down());
        return command;
    }

    private static Option<DirectoryInfo> DirOption() => new("--dir")
    {
        Description = "The grid's directory (nodes, client dir, state).",
        DefaultValueFactory = _ => new DirectoryInfo("granary-grid"),
        HelpName = "DIR",
    };

    private static Command Up()
    {
        var nodes = new Option<int>("--nodes") { Description = "How many storage nodes.", DefaultValueFactory = _ => 10 };
        var dir = DirOption();
        var basePort = new Option<int?>("--base-port") { Description = "The hub listens on BASE and node i on BASE+i (default: free ports chosen when each is first created)." };
        var capacity = new Option<string>("--capacity") { Description = "Capacity of each new node.", DefaultValueFactory = _ => "10GiB", HelpName = "SIZE" };
        var auditInterval = new Option<int?>("--audit-interval") { Description = "The hub's keeper audits kept shares every SECONDS (default: the hub's, an hour).", HelpName = "SECONDS" };
        var checkerInterval = new Option<int?>("--checker-interval") { Description = "The hub's keeper checks and repairs kept files every SECONDS (default: the hub's, four hours).", HelpName = "SECONDS" };
        var farmContracts = new Option<int>("--farm-contracts")
        {
            Description = "Each node holds N downstream contracts from the hub and answers their challenges (1 MiB chunks challenged every 15 s; see the dashboard's Contracts page).",
            HelpName = "N",
        };
        var command = new Command("up", "Create (the first time) and start a hub and the grid's nodes; stays in the foreground until Ctrl-C or SIGTERM, then stops them all.")
        {
            nodes, dir, basePort, capacity, auditInterval, checkerInterval, farmContracts,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var count = context.Parse.GetValue(nodes);
            if (count is < 1 or > 100)
            {
                throw new UsageException("--nodes must be between 1 and 100");
            }

            if (!Core.Formats.ByteSize.TryParse(context.Parse.GetValue(capacity)!, out var bytes, out var error))
            {
                throw new UsageException($"--capacity: {error}");
            }

            var contracts = context.Parse.GetValue(farmContracts);
            if (contracts is < 0 or > 1000)
            {
                throw new UsageException("--farm-contracts must be between 0 and 1000");
            }

            var root = context.Parse.GetValue(dir)!.FullName;
            if (ReadState(root) is { } running && IsAlive(running.Supervisor))
            {
                throw new UsageException($"a grid is already running from {root} (supervisor pid {running.Supervisor}); stop it with 'granary grid down --dir {root}'");
            }

            var fixedPorts = context.Parse.GetValue(basePort);
            var hubDir = Path.Combine(root, "hub");
            if (!File.Exists(Path.Combine(hubDir, HubDirectory.ConfigFile)))
            {
                // Fewer nodes than the usual happiness: advise what this grid can reach.
                var encoding = new EncodingOptions();
                encoding.Happy = Math.Min(encoding.Happy, Math.Max(encoding.Needed, count));
                HubDirectory.Create(hubDir, new HubOptions { Port = fixedPorts ?? NodeCommand.FreePort(), Encoding = encoding, Tracker = { Enabled = false } });
            }

            var directories = Enumerable.Range(1, count).Select(i => Path.Combine(root, "nodes", $"node-{i:00}")).ToList();
            var processes = new List<(string Name, string Dir, Process Process, string Url)>();
            try
            {
                string[] keeperFlags =
                [
                    .. context.Parse.GetValue(auditInterval) is int audit ? ["--audit-interval", audit.ToString(System.Globalization.CultureInfo.InvariantCulture)] : Array.Empty<string>(),
                    .. context.Parse.GetValue(checkerInterval) is int check ? ["--checker-interval", check.ToString(System.Globalization.CultureInfo.InvariantCulture)] : Array.Empty<string>(),

                    // Small chunks on a short round, and no per-IP token limit: every local node farms from 127.0.0.1.
                    .. contracts > 0 ? ["--test-chunk-size", "1MiB", "--contract-interval", "15", "--max-tokens-per-ip", "0"] : Array.Empty<string>(),
                ];
                var (hubProcess, hubUrl) = await StartHubAsync(hubDir, keeperFlags, movable: fixedPorts is null, cancellationToken);
                processes.Add(("hub", hubDir, hubProcess, hubUrl.ToString()));
                for (var i = 0; i < count; i++)
                {
                    PrepareNode(directories[i], hubUrl, fixedPorts is int first ? first + i + 1 : null, bytes, contracts);
                }

                var started = await Task.WhenAll(directories.Select(nodeDir => StartNodeAsync(nodeDir, movable: fixedPorts is null, cancellationToken)));
                processes.AddRange(directories.Zip(started, (nodeDir, node) => (Path.GetFileName(nodeDir), nodeDir, node.Process, node.Url.ToString())));

                var announced = await WaitForAnnouncementsAsync(hubUrl, count, cancellationToken);
                if (announced < count)
                {
                    await context.Error.WriteLineAsync($"grid: only {announced} of {count} nodes announced themselves to the hub so far (see the nodes' node.log)");
                }

                var clientDir = Path.Combine(root, "client");
                var client = ClientDirectory.OpenOrCreate(clientDir);
                client.Config.Hubs = [hubUrl.ToString()];
                client.Config.Servers = [];
                client.Save();
                var nodeProcesses = processes.Skip(1).ToList();
                var (gatewayProcess, gatewayUrl) = await StartGatewayAsync(clientDir, fixedPorts is int firstPort ? firstPort + count + 1 : null, cancellationToken);
                processes.Add(("gateway", clientDir, gatewayProcess, gatewayUrl.ToString()));
                WriteState(root, new GridState(
                    Environment.ProcessId,
                    [.. nodeProcesses.Select(p => new GridNode(p.Name, p.Dir, p.Process.Id, p.Url))],
                    new GridNode("hub", hubDir, hubProcess.Id, hubUrl.ToString()),
                    new GridNode("gateway", clientDir, gatewayProcess.Id, gatewayUrl.ToString())));

                await context.Output.WriteLineAsync($"grid up: a hub and {count} storage nodes from {root}");
                foreach (var (name, _, process, url) in processes)
                {
                    await context.Output.WriteLineAsync($"  {name,-7}  pid {process.Id,-7}  {StorageUrlOrHub(url)}");
                }

                await context.Output.WriteLineAsync($"dashboard: {new Uri(hubUrl, "ui/")}");
                await context.Output.WriteLineAsync($"gateway: {gatewayUrl} (Tahoe's web API and a web UI; tahoe --node-directory {clientDir} works against it)");
                await context.Output.WriteLineAsync($"client dir: {clientDir}");
                await context.Output.WriteLineAsync($"try:  granary put FILE --client-dir {clientDir}");
                await context.Output.WriteLineAsync("stop: Ctrl-C here, or 'granary grid down --dir " + root + "'");
                await context.Output.FlushAsync(cancellationToken);

                foreach (var (name, _, process, _) in processes)
                {
                    _ = process.WaitForExitAsync(cancellationToken).ContinueWith(
                        _ => context.Error.WriteLineAsync($"grid: {name} exited{(process.HasExited ? $" with code {process.ExitCode}" : "")}"),
                        CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                }

                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                }

                return GranaryCli.Success;
            }
            finally
            {
                // The gateway and the nodes first, so none is left asking a hub that is gone.
                await Daemon.StopAllAsync(processes.Skip(1).Select(p => p.Process), StopGrace);
                await Daemon.StopAllAsync(processes.Take(1).Select(p => p.Process), StopGrace);
                File.Delete(Path.Combine(root, "client", GatewayHost.NodeUrlFile));
                File.Delete(Path.Combine(root, StateFile));
                if (processes.Count > 0)
                {
                    await context.Error.WriteLineAsync($"grid down: stopped the hub, {processes.Count(p => p.Name.StartsWith("node", StringComparison.Ordinal))} nodes and {(processes.Any(p => p.Name == "gateway") ? "the" : "no")} gateway");
                }
            }
        });
        return command;
    }

    private static Command Status()
    {
        var dir = DirOption();
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("status", "List the grid's nodes with their pid, URL, data directory and health.") { dir, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var root = context.Parse.GetValue(dir)!.FullName;
            var state = ReadState(root) ?? throw new UsageException($"no grid is running from {root} (no {StateFile})");
            using var http = StorageClient.CreateHttpClient();
            var hub = state.Hub is { } h ? new { h.Name, h.Pid, alive = IsAlive(h.Pid), url = h.Url, h.Dir, health = await HubHealthAsync(http, h.Url, cancellationToken) } : null;
            var gateway = state.Gateway is { } g ? new { g.Name, g.Pid, alive = IsAlive(g.Pid), url = g.Url, g.Dir, health = await GatewayHealthAsync(http, g.Url, cancellationToken) } : null;
            var keeper = state.Hub is { } keeperHub ? await KeeperViewAsync(http, keeperHub.Url, cancellationToken) : null;
            var rows = await Task.WhenAll(state.Nodes.Select(async node =>
            {
                var url = StorageUrl.Parse(node.Url);
                var audits = keeper?.Nodes.GetValueOrDefault(url.NodeId.ToString());
                var alive = IsAlive(node.Pid);
                string health;
                try
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    deadline.CancelAfter(TimeSpan.FromSeconds(3));
                    var version = await new StorageClient(url, http).GetVersionAsync(deadline.Token);
                    health = $"up, {Core.Formats.ByteSize.Format(version.AvailableSpace)} free";
                }
                catch (Exception e) when (e is StorageException or OperationCanceledException)
                {
                    health = alive ? "not answering" : "down";
                }

                return new { node.Name, node.Pid, alive, url = url.BaseAddress.ToString(), node.Dir, health, keeper = audits };
            }));

            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(new { supervisor = state.Supervisor, supervisorAlive = IsAlive(state.Supervisor), hub, gateway, nodes = rows, keptFiles = keeper?.Files },
                    new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            }
            else
            {
                await context.Output.WriteLineAsync($"grid {root}, supervisor pid {state.Supervisor} ({(IsAlive(state.Supervisor) ? "running" : "gone")})");
                if (hub is not null)
                {
                    await context.Output.WriteLineAsync($"  {hub.Name,-7}  pid {hub.Pid,-7}  {hub.url,-26}  {hub.health}  {hub.Dir}");
                }

                if (gateway is not null)
                {
                    await context.Output.WriteLineAsync($"  {gateway.Name,-7}  pid {gateway.Pid,-7}  {gateway.url,-26}  {gateway.health}  {gateway.Dir}");
                }

                foreach (var row in rows)
                {
                    var audits = row.keeper is { } k ? $"  [{k.State}, score {k.Score:0.000}, audits {k.AuditsPassed} passed {k.AuditsFailed} failed]" : "";
                    await context.Output.WriteLineAsync($"  {row.Name,-7}  pid {row.Pid,-7}  {row.url,-26}  {row.health}  {row.Dir}{audits}");
                }

                if (keeper is not null)
                {
                    await context.Output.WriteLineAsync($"  kept files: {keeper.Files.Count}, {keeper.Files.Count(f => f.HealthyShares < f.Total)} below n healthy shares");
                    foreach (var file in keeper.Files.Where(f => f.HealthyShares < f.Total).Take(10))
                    {
                        await context.Output.WriteLineAsync($"    {file.StorageIndex}  {file.HealthyShares}/{file.Total} healthy  last repair {file.LastRepair?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "never"}");
                    }
                }
            }

            var healthy = rows.All(r => r.health.StartsWith("up", StringComparison.Ordinal)) && (hub is null || hub.health.StartsWith("up", StringComparison.Ordinal))
                && (gateway is null || gateway.health.StartsWith("up", StringComparison.Ordinal));
            return healthy ? GranaryCli.Success : GranaryCli.Failure;
        });
        return command;
    }

    private static Command Down()
    {
        var dir = DirOption();
        var command = new Command("down", "Stop a grid started by 'granary grid up' elsewhere.") { dir };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var root = context.Parse.GetValue(dir)!.FullName;
            var state = ReadState(root) ?? throw new UsageException($"no grid is running from {root} (no {StateFile})");
            if (IsAlive(state.Supervisor) && state.Supervisor != Environment.ProcessId)
            {
                Signals.Terminate(state.Supervisor);
                for (var i = 0; i < 200 && File.Exists(Path.Combine(root, StateFile)); i++)
                {
                    await Task.Delay(100, cancellationToken);
                }
            }

            // A supervisor that is gone (or did not finish) leaves its gateway and nodes to us.
            await Daemon.StopAllAsync(state.Nodes.Append(state.Gateway).OfType<GridNode>().Where(n => IsAlive(n.Pid)).Select(n => Process.GetProcessById(n.Pid)), StopGrace);
            if (state.Hub is { } hub && IsAlive(hub.Pid))
            {
                await Daemon.StopAllAsync([Process.GetProcessById(hub.Pid)], StopGrace);
            }

            File.Delete(Path.Combine(root, StateFile));
            await context.Output.WriteLineAsync($"grid down: {root}");
            return GranaryCli.Success;
        });
        return command;
    }

    // Creates the node the first time; points it at this run's hub (whose port may have moved).
    private static void PrepareNode(string nodeDir, Uri hub, int? port, long capacity, int contracts)
    {
        if (!File.Exists(Path.Combine(nodeDir, NodeDirectory.ConfigFile)))
        {
            NodeDirectory.Create(nodeDir, new StorageNodeOptions
            {
                Port = port ?? NodeCommand.FreePort(), Capacity = capacity, Reserved = 256L << 20, Hubs = [hub.ToString()], FarmContracts = contracts,
            });
            return;
        }

        var node = NodeDirectory.Open(nodeDir);
        if (node.Options.Hubs is not [var only] || only != hub.ToString() || node.Options.FarmContracts != contracts)
        {
            node.Options.Hubs = [hub.ToString()];
            node.Options.FarmContracts = contracts;
            node.SaveOptions();
        }
    }

    // Starts a node and reads its storage URL. A node whose port another program took meanwhile is
    // moved to a new free port (unless the user fixed the ports with --base-port).
    private static async Task<(Process Process, StorageUrl Url)> StartNodeAsync(string nodeDir, bool movable, CancellationToken cancellationToken)
    {
        var (process, line) = await StartDaemonAsync(() => ["node", "run", nodeDir], nodeDir, "node.log", text => StorageUrl.TryParse(text, out _, out _), movable, () =>
        {
            var node = NodeDirectory.Open(nodeDir);
            node.Options.Port = NodeCommand.FreePort();
            node.SaveOptions();
        }, cancellationToken);
        return (process, StorageUrl.Parse(line));
    }

    // The gateway on the grid's client directory: on BASE+N+1 with fixed ports, else any free port
    // (its node.url says which, and 'granary webopen' reads it).
    private static async Task<(Process Process, Uri Url)> StartGatewayAsync(string clientDir, int? port, CancellationToken cancellationToken)
    {
        var listen = port ?? NodeCommand.FreePort();
        var (process, line) = await StartDaemonAsync(
            () => ["gateway", "run", "--client-dir", clientDir, "--urls", $"http://127.0.0.1:{listen}"],
            clientDir, "gateway.log", text => Uri.TryCreate(text, UriKind.Absolute, out _), port is null, () => listen = NodeCommand.FreePort(), cancellationToken);
        return (process, new Uri(line));
    }

    private static async Task<(Process Process, Uri Url)> StartHubAsync(string hubDir, string[] flags, bool movable, CancellationToken cancellationToken)
    {
        var (process, line) = await StartDaemonAsync(() => ["hub", "run", hubDir, .. flags], hubDir, "hub.log", text => Uri.TryCreate(text, UriKind.Absolute, out _), movable, () =>
        {
            var hub = HubDirectory.Open(hubDir);
            hub.Options.Port = NodeCommand.FreePort();
            hub.SaveOptions();
        }, cancellationToken);
        return (process, new Uri(line));
    }

    // Starts `granary ARGS` logging to DIR/LOG and returns it with the first line it prints, which
    // must satisfy `valid`; a daemon that exits first (its port taken) is moved and tried again.
    // (The arguments are asked for at each attempt: a move may change them.)
    private static async Task<(Process Process, string Line)> StartDaemonAsync(
        Func<string[]> args, string dir, string log, Func<string, bool> valid, bool movable, Action move, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var process = Process.Start(SelfStartInfo(args(), Path.Combine(dir, log)))!;
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            if (line is not null && valid(line))
            {
                return (process, line);
            }

            await process.WaitForExitAsync(cancellationToken);
            if (!movable || attempt == 2)
            {
                throw new IOException($"{Path.GetFileName(dir)} did not start (see {Path.Combine(dir, log)})");
            }

            move();
        }
    }

    // Polls the hub until it lists every node (they announce as soon as they listen), for at most 30 s.
    private static async Task<int> WaitForAnnouncementsAsync(Uri hub, int expected, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var seen = 0;
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(200, cancellationToken))
        {
            try
            {
                var list = await http.GetFromJsonAsync<ServerList>(new Uri(hub, IntroducerProtocol.ServersPath), IntroducerProtocol.Json, cancellationToken);
                seen = list?.Servers.Count ?? 0;
                if (seen >= expected)
                {
                    break;
                }
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
        }

        return seen;
    }

    private static async Task<string> GatewayHealthAsync(HttpClient http, string url, CancellationToken cancellationToken)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await http.GetAsync(new Uri(new Uri(url), "?t=json"), deadline.Token);
            return response.IsSuccessStatusCode ? "up" : $"answering {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return "not answering";
        }
    }

    private sealed record KeeperNodeView(string Id, long AuditsPassed, long AuditsFailed, double Score, string State);

    private sealed record KeeperFileView(string StorageIndex, int Total, int HealthyShares, DateTimeOffset? LastAudit, DateTimeOffset? LastRepair);

    private sealed record KeeperNodes(List<KeeperNodeView> Nodes);

    private sealed record KeeperFiles(List<KeeperFileView> Files);

    private sealed record KeeperView(Dictionary<string, KeeperNodeView> Nodes, List<KeeperFileView> Files);

    // The hub keeper's view of nodes and kept files; null when the hub does not answer.
    private static async Task<KeeperView?> KeeperViewAsync(HttpClient http, string url, CancellationToken cancellationToken)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(3));
            var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            var nodes = await http.GetFromJsonAsync<KeeperNodes>(new Uri(new Uri(url), "api/keeper/nodes"), json, deadline.Token);
            var files = await http.GetFromJsonAsync<KeeperFiles>(new Uri(new Uri(url), "api/keeper/files"), json, deadline.Token);
            return new KeeperView(nodes?.Nodes.ToDictionary(n => n.Id) ?? [], files?.Files ?? []);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<string> HubHealthAsync(HttpClient http, string url, CancellationToken cancellationToken)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(3));
            var list = await http.GetFromJsonAsync<ServerList>(new Uri(new Uri(url), IntroducerProtocol.ServersPath), IntroducerProtocol.Json, deadline.Token);
            return $"up, introducing {list?.Servers.Count ?? 0} nodes";
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException)
        {
            return "not answering";
        }
    }

    private static string StorageUrlOrHub(string url) => StorageUrl.TryParse(url, out var storage, out _) ? storage!.BaseAddress.ToString() : url;

    /// <summary>A start of this very executable, whether run as an apphost or through dotnet.</summary>
    internal static ProcessStartInfo SelfStartInfo(IEnumerable<string> args, string? errorLog = null)
    {
        var executable = Environment.ProcessPath!;
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(executable) == "dotnet")
        {
            info.ArgumentList.Add(typeof(GridCommand).Assembly.Location);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (errorLog is not null)
        {
            info.Environment["GRANARY_LOG_FILE"] = errorLog;
        }

        return info;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static GridState? ReadState(string root)
    {
        var path = Path.Combine(root, StateFile);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<GridState>(File.ReadAllText(path)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void WriteState(string root, GridState state) =>
        File.WriteAllText(Path.Combine(root, StateFile), JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));

    internal sealed record GridNode(string Name, string Dir, int Pid, string Url);

    internal sealed record GridState(int Supervisor, List<GridNode> Nodes, GridNode? Hub = null, GridNode? Gateway = null);
}
