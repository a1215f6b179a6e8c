using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Granary.Client;
using Granary.Client.Storage;
using Granary.Core.Protocol;
using Granary.Storage;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary grid up|status|down</c>: a whole grid on this machine — N storage nodes, each its own
/// OS process — with a client directory at <c>DIR/client</c> that points at them.
/// </summary>
internal static class GridCommand
{
    internal const string StateFile = "grid.json";

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
        var basePort = new Option<int?>("--base-port") { Description = "Node i listens on BASE+i (default: free ports chosen when the node is first created)." };
        var capacity = new Option<string>("--capacity") { Description = "Capacity of each new node.", DefaultValueFactory = _ => "10GiB", HelpName = "SIZE" };
        var command = new Command("up", "Create (the first time) and start the grid's nodes; stays in the foreground until Ctrl-C or SIGTERM, then stops them all.")
        {
            nodes, dir, basePort, capacity,
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

            var root = context.Parse.GetValue(dir)!.FullName;
            if (ReadState(root) is { } running && IsAlive(running.Supervisor))
            {
                throw new UsageException($"a grid is already running from {root} (supervisor pid {running.Supervisor}); stop it with 'granary grid down --dir {root}'");
            }

            var directories = Enumerable.Range(1, count).Select(i => Path.Combine(root, "nodes", $"node-{i:00}")).ToList();
            for (var i = 0; i < count; i++)
            {
                if (!File.Exists(Path.Combine(directories[i], NodeDirectory.ConfigFile)))
                {
                    var port = context.Parse.GetValue(basePort) is int first ? first + i : NodeCommand.FreePort();
                    NodeDirectory.Create(directories[i], new StorageNodeOptions { Port = port, Capacity = bytes, Reserved = 256L << 20 });
                }
            }

            var processes = new List<(string Name, string Dir, Process Process, StorageUrl Url)>();
            try
            {
                foreach (var nodeDir in directories)
                {
                    var (process, url) = await StartNodeAsync(nodeDir, movable: context.Parse.GetValue(basePort) is null, cancellationToken);
                    processes.Add((Path.GetFileName(nodeDir), nodeDir, process, url));
                }

                var clientDir = Path.Combine(root, "client");
                var client = ClientDirectory.OpenOrCreate(clientDir);
                client.Config.Servers = [.. processes.Select(p => p.Url.ToString())];
                client.Config.Happy = Math.Min(client.Config.Happy, Math.Max(client.Config.Needed, count));
                client.Save();
                WriteState(root, new GridState(Environment.ProcessId, [.. processes.Select(p => new GridNode(p.Name, p.Dir, p.Process.Id, p.Url.ToString()))]));

                await context.Output.WriteLineAsync($"grid up: {count} storage nodes from {root}");
                foreach (var (name, _, process, url) in processes)
                {
                    await context.Output.WriteLineAsync($"  {name}  pid {process.Id,-7}  {url.BaseAddress}");
                }

                await context.Output.WriteLineAsync($"client dir: {clientDir}");
                await context.Output.WriteLineAsync($"try:  granary put FILE --client-dir {clientDir}");
                await context.Output.WriteLineAsync("stop: Ctrl-C here, or 'granary grid down --dir " + root + "'");
                await context.Output.FlushAsync(cancellationToken);

                var exits = processes.Select(p => p.Process.WaitForExitAsync(cancellationToken).ContinueWith(
                    _ => context.Error.WriteLineAsync($"grid: {p.Name} exited{(p.Process.HasExited ? $" with code {p.Process.ExitCode}" : "")}"),
                    CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default)).ToList();
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
                await StopAllAsync(processes.Select(p => p.Process));
                File.Delete(Path.Combine(root, StateFile));
                if (processes.Count > 0)
                {
                    await context.Error.WriteLineAsync($"grid down: stopped {processes.Count} nodes");
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
            var rows = await Task.WhenAll(state.Nodes.Select(async node =>
            {
                var url = StorageUrl.Parse(node.Url);
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

                return new { node.Name, node.Pid, alive, url = url.BaseAddress.ToString(), node.Dir, health };
            }));

            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(new { supervisor = state.Supervisor, supervisorAlive = IsAlive(state.Supervisor), nodes = rows },
                    new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            }
            else
            {
                await context.Output.WriteLineAsync($"grid {root}, supervisor pid {state.Supervisor} ({(IsAlive(state.Supervisor) ? "running" : "gone")})");
                foreach (var row in rows)
                {
                    await context.Output.WriteLineAsync($"  {row.Name}  pid {row.Pid,-7}  {row.url,-26}  {row.health}  {row.Dir}");
                }
            }

            return rows.All(r => r.health.StartsWith("up", StringComparison.Ordinal)) ? GranaryCli.Success : GranaryCli.Failure;
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

            // A supervisor that is gone (or did not finish) leaves its nodes to us.
            await StopAllAsync(state.Nodes.Where(n => IsAlive(n.Pid)).Select(n => Process.GetProcessById(n.Pid)));
            File.Delete(Path.Combine(root, StateFile));
            await context.Output.WriteLineAsync($"grid down: {root}");
            return GranaryCli.Success;
        });
        return command;
    }

    // Starts a node and reads its storage URL. A node whose port another program took meanwhile is
    // moved to a new free port (unless the user fixed the ports with --base-port).
    private static async Task<(Process Process, StorageUrl Url)> StartNodeAsync(string nodeDir, bool movable, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var process = Process.Start(SelfStartInfo(["node", "run", nodeDir], Path.Combine(nodeDir, "node.log")))!;
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            if (line is not null && StorageUrl.TryParse(line, out var url, out _))
            {
                return (process, url!);
            }

            await process.WaitForExitAsync(cancellationToken);
            if (!movable || attempt == 2)
            {
                throw new IOException($"{Path.GetFileName(nodeDir)} did not start (see {Path.Combine(nodeDir, "node.log")})");
            }

            var node = NodeDirectory.Open(nodeDir);
            node.Options.Port = NodeCommand.FreePort();
            node.SaveOptions();
        }
    }

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

    private static async Task StopAllAsync(IEnumerable<Process> processes)
    {
        var list = processes.Where(p => !p.HasExited).ToList();
        foreach (var process in list)
        {
            Signals.Terminate(process.Id);
        }

        foreach (var process in list)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
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

    internal sealed record GridState(int Supervisor, List<GridNode> Nodes);
}
