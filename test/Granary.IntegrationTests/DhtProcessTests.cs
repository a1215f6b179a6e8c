using System.Text.Json;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>Twenty `granary dht run` processes on loopback UDP, and the one-shot commands against them.</summary>
public sealed class DhtProcessTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("granary-dht-process");
    private readonly List<(RunningProcess Process, string Id, string EndPoint)> _nodes = [];

    public async Task InitializeAsync()
    {
        for (var i = 0; i < 20; i++)
        {
            string[] args = i == 0 ? ["dht", "run", "--host", "127.0.0.1"] : ["dht", "run", "--host", "127.0.0.1", "--bootstrap", _nodes[0].EndPoint];
            var process = RunningProcess.Start(args);
            var first = await process.FirstLineAsync(TimeSpan.FromSeconds(30));
            var at = first.IndexOf('@', StringComparison.Ordinal);
            _nodes.Add((process, first[..at], first[(at + 1)..]));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.Process.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task Values_put_through_one_node_are_found_through_others_even_after_a_third_are_killed()
    {
        var key = _dir.File("writer.key");
        Assert.Equal(0, (await GranaryProcess.RunAsync(["key", "new", "--out", key])).ExitCode);
        var put = await Dht(["put", "greeting", "hello, world", "--key", key, "--bootstrap", _nodes[3].EndPoint]);
        Assert.True(put.ExitCode == 0, put.Error);
        Assert.Matches("^stored [0-9a-f]{40} .* on ([1-9][0-9]*) nodes", put.Output);

        var owner = (await Dht(["showid", "--key", key])).Output.Split(' ')[0];
        var get = await Dht(["get", "greeting", "--owner", owner, "--bootstrap", _nodes[11].EndPoint]);
        Assert.Equal((0, "hello, world"), (get.ExitCode, get.Output.Trim()));

        foreach (var victim in _nodes.Where((_, i) => i % 3 == 1).ToList())
        {
            await victim.Process.StopAsync(TimeSpan.FromSeconds(10));
        }

        var after = await Dht(["get", "greeting", "--owner", owner, "--bootstrap", _nodes[0].EndPoint]);
        Assert.Equal((0, "hello, world"), (after.ExitCode, after.Output.Trim()));

        var missing = await Dht(["get", "nothing-here", "--owner", owner, "--bootstrap", _nodes[0].EndPoint]);
        Assert.Equal(1, missing.ExitCode);
    }

    [Fact]
    public async Task Direct_and_relayed_messages_appear_in_the_recipients_output()
    {
        var recipient = _nodes[17];
        var key = _dir.File("sender.key");
        Assert.Equal(0, (await GranaryProcess.RunAsync(["key", "new", "--out", key])).ExitCode);
        var direct = await Dht(["direct-message", recipient.Id, "straight there", "--key", key, "--bootstrap", _nodes[2].EndPoint]);
        Assert.True(direct.ExitCode == 0, direct.Error);
        var relay = await Dht(["relay-message", recipient.Id, "hop by hop", "--key", key, "--bootstrap", _nodes[5].EndPoint]);
        Assert.True(relay.ExitCode == 0, relay.Error);

        await recipient.Process.WaitForOutputAsync("hop by hop", TimeSpan.FromSeconds(10));
        var lines = recipient.Process.Output.Split('\n').Skip(1).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(lines, l => l.GetProperty("text").GetString() == "straight there" && l.GetProperty("via").GetString() == "direct");
        Assert.Contains(lines, l => l.GetProperty("text").GetString() == "hop by hop" && l.GetProperty("via").GetString() == "relay");
        var sender = (await Dht(["showid", "--key", key])).Output.Split(' ')[0];
        Assert.All(lines, l => Assert.Equal(sender, l.GetProperty("from").GetString()));
    }

    [Fact]
    public async Task Showtype_and_map_describe_the_network()
    {
        var type = await Dht(["showtype", "--bootstrap", _nodes[1].EndPoint]);
        Assert.Equal(0, type.ExitCode);
        Assert.StartsWith("public", type.Output, StringComparison.Ordinal);

        var svg = _dir.File("map.svg");
        var json = _dir.File("map.json");
        var map = await Dht(["map", "--out", svg, "--json", json, "--bootstrap", _nodes[4].EndPoint]);
        Assert.True(map.ExitCode == 0, map.Error);
        using var graph = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var ids = graph.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToHashSet();
        Assert.Superset(_nodes.Select(n => n.Id).ToHashSet(), ids!);
        Assert.StartsWith("<svg", await File.ReadAllTextAsync(svg), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_are_usage_errors()
    {
        Assert.Equal(2, (await Dht(["get", "x"])).ExitCode); // no bootstrap
        Assert.Equal(2, (await Dht(["get", "x", "--bootstrap", "nonsense"])).ExitCode);
        Assert.Equal(2, (await Dht(["direct-message", "not-an-id", "hi", "--bootstrap", _nodes[0].EndPoint])).ExitCode);
        Assert.Equal(2, (await Dht(["put", "k", new string('v', 901), "--bootstrap", _nodes[0].EndPoint])).ExitCode);
        var nobody = await Dht(["get", "x", "--bootstrap", "127.0.0.1:9"]);
        Assert.Equal(1, nobody.ExitCode);
        Assert.Contains("no bootstrap node answered", nobody.Error, StringComparison.Ordinal);
    }

    // Every one-shot command gets its own default identity file, so tests never touch ~/.granary.
    private Task<ProcessResult> Dht(string[] args) =>
        GranaryProcess.RunAsync(["dht", .. args], TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["GRANARY_DHT_KEY"] = _dir.File("default.key") });
}
