using System.Diagnostics;
using System.Text.Json.Nodes;
using Granary.Core.Caps;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>A real `granary grid up` (a supervisor, a hub and N node processes) in a temporary directory.</summary>
internal sealed class TestGrid : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly RunningProcess _supervisor;
    private readonly HashSet<int> _stopped = [];
    private readonly List<RunningProcess> _restarted = [];
    private readonly List<Node> _nodes;

    private TestGrid(TempDirectory directory, RunningProcess supervisor, IReadOnlyList<Node> nodes, Node gateway)
    {
        _directory = directory;
        _supervisor = supervisor;
        _nodes = [.. nodes];
        Gateway = gateway;
    }

    public string Root => _directory.Path;

    public string ClientDir => Path.Combine(Root, "client");

    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>The grid's web gateway process (its Url is the gateway's base URL).</summary>
    public Node Gateway { get; }

    public sealed record Node(string Name, string Dir, int Pid, string Url);

    /// <summary>
    /// Starts <c>granary grid up</c>; <paramref name="upArguments"/> go to it and <paramref name="environment"/>
    /// to it and so to every hub and node process it starts.
    /// </summary>
    public static async Task<TestGrid> StartAsync(
        int nodes = 10, string capacity = "2GiB", int? requestTimeoutSeconds = null, int? happy = null, int? maxSegmentSize = null,
        IReadOnlyList<string>? upArguments = null, IDictionary<string, string>? environment = null)
    {
        var directory = new TempDirectory("granary-grid");
        var supervisor = RunningProcess.Start(
            ["grid", "up", "--dir", directory.Path, "--nodes", nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--capacity", capacity, .. upArguments ?? []],
            environment);
        await supervisor.WaitForOutputAsync("client dir:");
        var state = JsonNode.Parse(await System.IO.File.ReadAllTextAsync(Path.Combine(directory.Path, "grid.json")))!;
        static Node NodeOf(JsonNode n) => new((string)n["Name"]!, (string)n["Dir"]!, (int)n["Pid"]!, (string)n["Url"]!);
        var list = state["Nodes"]!.AsArray().Select(n => NodeOf(n!)).ToList();
        if (requestTimeoutSeconds is not null || happy is not null || maxSegmentSize is not null)
        {
            var configPath = Path.Combine(directory.Path, "client", "client.json");
            var config = JsonNode.Parse(await System.IO.File.ReadAllTextAsync(configPath))!;
            if (requestTimeoutSeconds is int timeout)
            {
                config["requestTimeoutSeconds"] = timeout;
            }

            if (maxSegmentSize is int segment)
            {
                config["maxSegmentSize"] = segment;
            }

            if (happy is int h)
            {
                config["happy"] = h;
                config["useHubEncoding"] = false;
            }

            await System.IO.File.WriteAllTextAsync(configPath, config.ToJsonString());
        }

        return new TestGrid(directory, supervisor, list, NodeOf(state["Gateway"]!)) { Environment = environment };
    }

    /// <summary>Environment for every command the tests run against this grid (e.g. the steerable clock).</summary>
    public IDictionary<string, string>? Environment { get; init; }

    /// <summary>The hub's base URL.</summary>
    public Uri HubUrl => new((string)JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(Root, "grid.json")))!["Hub"]!["Url"]!);

    /// <summary>Runs `granary ARGS --client-dir DIR`.</summary>
    public Task<ProcessResult> RunAsync(params string[] args) =>
        GranaryProcess.RunAsync([.. args, "--client-dir", ClientDir], TimeSpan.FromMinutes(5), Environment);

    /// <summary>`granary put FILE`; returns the cap (its last line of output).</summary>
    public async Task<string> PutAsync(string file)
    {
        var result = await RunAsync("put", file);
        Assert.True(result.ExitCode == 0, $"put failed: {result.Error}");
        return result.Output.Trim().Split('\n')[^1];
    }

    /// <summary>Sets the client's per-request timeout from now on (client.json's requestTimeoutSeconds).</summary>
    public async Task SetRequestTimeoutAsync(int seconds)
    {
        var configPath = Path.Combine(ClientDir, "client.json");
        var config = JsonNode.Parse(await System.IO.File.ReadAllTextAsync(configPath))!;
        config["requestTimeoutSeconds"] = seconds;
        await System.IO.File.WriteAllTextAsync(configPath, config.ToJsonString());
    }

    public string File(string name) => _directory.File(name);

    public async Task<string> WriteRandomFileAsync(string name, long size, int seed)
    {
        var path = File(name);
        var random = new Random(seed);
        await using var stream = System.IO.File.Create(path);
        var buffer = new byte[1 << 20];
        for (long done = 0; done < size; done += buffer.Length)
        {
            random.NextBytes(buffer);
            await stream.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - done)));
        }

        return path;
    }

    public void Kill(Node node) => Signal(node.Pid, 9);

    /// <summary>Starts a killed node again on its directory (and port), as its farmer would; returns it with its new pid.</summary>
    public async Task<Node> RestartAsync(Node node)
    {
        var process = RunningProcess.Start(["node", "run", node.Dir]);
        _restarted.Add(process);
        var url = await process.FirstLineAsync();
        var restarted = node with { Pid = process.Id, Url = url };
        _nodes[_nodes.IndexOf(node)] = restarted;
        return restarted;
    }

    /// <summary>Files of uploads in progress on a node (under its incoming/).</summary>
    public static IReadOnlyList<string> Incoming(Node node)
    {
        var incoming = Path.Combine(node.Dir, "incoming");
        return Directory.Exists(incoming) ? Directory.GetFiles(incoming, "*", SearchOption.AllDirectories) : [];
    }

    /// <summary>SIGSTOP: the node stays connected but never answers (until disposal continues it).</summary>
    public void Freeze(Node node)
    {
        Signal(node.Pid, 19);
        _stopped.Add(node.Pid);
    }

    /// <summary>Where a node keeps share <paramref name="share"/> of a file, if it holds it.</summary>
    public static string? SharePath(Node node, string cap, int share)
    {
        var index = ((ChkReadCap)Cap.Parse(cap)).StorageIndex.ToString();
        var path = Path.Combine(node.Dir, "shares", index[..2], index, share.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return System.IO.File.Exists(path) ? path : null;
    }

    /// <summary>Where <paramref name="node"/> keeps share <paramref name="share"/> of a mutable file (any of its caps), if it does.</summary>
    public static string? MutableSharePath(Node node, string cap, int share)
    {
        Cap.Parse(cap).TryGetStorageIndex(out var storageIndex);
        var index = storageIndex.ToString();
        var path = Path.Combine(node.Dir, "mutable", index[..2], index, share.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return System.IO.File.Exists(path) ? path : null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pid in _stopped)
        {
            Signal(pid, 18);
        }

        foreach (var process in _restarted)
        {
            await process.DisposeAsync();
        }

        await _supervisor.StopAsync(TimeSpan.FromSeconds(30));
        await _supervisor.DisposeAsync();
        _directory.Dispose();
    }

    private static void Signal(int pid, int signal)
    {
        using var process = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        process.WaitForExit();
    }
}
