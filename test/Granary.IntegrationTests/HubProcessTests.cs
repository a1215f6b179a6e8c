using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Granary.Core.Protocol;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>A hub, nodes and a client as separate processes, each set up with its own command, finding each other through the hub.</summary>
public sealed class HubProcessTests : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TempDirectory _dir = new("granary-hub-process");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Nodes_register_and_announce_and_a_client_stores_a_file_through_the_hub(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend);
        var hubDir = _dir.File("hub");
        Assert.Equal(0, (await GranaryProcess.RunAsync(["hub", "create", hubDir])).ExitCode);

        // Three nodes can hold 2-of-4 at happiness 3: the hub advises it, the client takes the advice.
        var hubJson = Path.Combine(hubDir, "hub.json");
        var config = JsonNode.Parse(await File.ReadAllTextAsync(hubJson))!;
        config["encoding"] = new JsonObject { ["needed"] = 2, ["happy"] = 3, ["total"] = 4 };
        await File.WriteAllTextAsync(hubJson, config.ToJsonString());

        // No tracker: its default port 42070 is fixed, and tracker tests in other assemblies bind it meanwhile.
        string[] run = database.Url is { } url ? ["hub", "run", hubDir, "--database", url, "--no-tracker"] : ["hub", "run", hubDir, "--no-tracker"];
        await using var hub = RunningProcess.Start(run);
        var hubUrl = new Uri(await hub.FirstLineAsync(TimeSpan.FromSeconds(30)));

        var nodes = new List<RunningProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var nodeDir = _dir.File($"node-{i}");
                var created = await GranaryProcess.RunAsync(["node", "create", nodeDir, "--hub", hubUrl.ToString(), "--capacity", "1GiB"]);
                Assert.True(created.ExitCode == 0, created.Error);
                nodes.Add(RunningProcess.Start(["node", "run", nodeDir]));
            }

            foreach (var node in nodes)
            {
                await node.FirstLineAsync(TimeSpan.FromSeconds(30));
            }

            var servers = await WaitForServersAsync(hubUrl, 3);
            Assert.Equal(new EncodingAdvice(2, 3, 4), servers.Encoding);

            // Each node is a farmer too, its height its capacity in 128 MiB shards.
            using var online = JsonDocument.Parse(await Http.GetStringAsync(new Uri(hubUrl, "api/online/json")));
            var farmers = online.RootElement.GetProperty("farmers").EnumerateArray().ToList();
            Assert.Equal(3, farmers.Count);
            Assert.All(farmers, f => Assert.Equal(8, f.GetProperty("height").GetInt32()));

            var clientDir = _dir.File("client");
            Directory.CreateDirectory(clientDir);
            await File.WriteAllTextAsync(Path.Combine(clientDir, "client.json"), $$"""{"hubs": ["{{hubUrl}}"]}""");
            var file = _dir.File("file");
            await File.WriteAllBytesAsync(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000));
            var put = await GranaryProcess.RunAsync(["put", file, "--client-dir", clientDir]);
            Assert.True(put.ExitCode == 0, put.Error);
            var cap = put.Output.Trim().Split('\n')[^1];
            Assert.EndsWith(":2:4:300000", cap, StringComparison.Ordinal);

            var back = _dir.File("back");
            var get = await GranaryProcess.RunAsync(["get", cap, "-o", back, "--client-dir", clientDir]);
            Assert.True(get.ExitCode == 0, get.Error);
            Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(back));

            // Servers write their own directories all the time (database, WAL, shares): none of them watches it.
            Assert.All(nodes.Prepend(hub), server => Assert.Equal(0, InotifyInstances(server.Id)));

            // Without its hub the client knows no server, and says so.
            Assert.Equal(0, await hub.StopAsync(TimeSpan.FromSeconds(20)));
            var orphan = await GranaryProcess.RunAsync(["get", cap, "-o", back, "--client-dir", clientDir]);
            Assert.Equal(1, orphan.ExitCode);
            Assert.Contains($"warning: hub {hubUrl}", orphan.Error, StringComparison.Ordinal);
            Assert.Contains("no storage servers found", orphan.Error, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static int InotifyInstances(int pid) =>
        new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos().Count(fd => fd.LinkTarget == "anon_inode:inotify");

    [Fact]
    public async Task Hub_commands_explain_bad_input()
    {
        var missing = await GranaryProcess.RunAsync(["hub", "run", _dir.File("nothing")]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("not a hub directory", missing.Error, StringComparison.Ordinal);

        var hubDir = _dir.File("hub");
        Assert.Equal(0, (await GranaryProcess.RunAsync(["hub", "create", hubDir])).ExitCode);
        var badDatabase = await GranaryProcess.RunAsync(["hub", "run", hubDir, "--database", "mysql://x"]);
        Assert.Equal(2, badDatabase.ExitCode);
        Assert.Contains("postgresql://", badDatabase.Error, StringComparison.Ordinal);

        var badUrls = await GranaryProcess.RunAsync(["hub", "run", hubDir, "--urls", "ftp://x"]);
        Assert.Equal(2, badUrls.ExitCode);

        var unreachable = await GranaryProcess.RunAsync(["hub", "run", hubDir, "--database", "postgresql://nobody:x@127.0.0.1:1/none"]);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("database", unreachable.Error, StringComparison.Ordinal);
        Assert.Single(unreachable.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Hub_run_takes_the_downstream_settings_as_flags()
    {
        // downstream-farmer's bundled identity (proofs-of-storage KAT, siggy case 0).
        const string address = "19qVgG8C6eXwKMMyvVegsi3xCsKyk3Z3jV";
        const string identity = """{"message": "test message", "signature": "HyzVUenXXo4pa+kgm1vS8PNJM83eIXFC5r0q86FGbqFcdla6rcw72/ciXiEPfjli3ENfwWuESHhv6K9esI0dl5I="}""";
        var hubDir = _dir.File("hub");
        Assert.Equal(0, (await GranaryProcess.RunAsync(["hub", "create", hubDir])).ExitCode);
        var badSize = await GranaryProcess.RunAsync(["hub", "run", hubDir, "--test-chunk-size", "lots"]);
        Assert.Equal(2, badSize.ExitCode);
        Assert.Contains("--test-chunk-size", badSize.Error, StringComparison.Ordinal);

        await using var hub = RunningProcess.Start([
            "hub", "run", hubDir, "--contract-interval", "20", "--test-chunk-size", "64KiB", "--max-tokens-per-ip", "1",
            "--max-contract-bytes", "128KiB", "--downstream-whitelist", address, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "--no-tracker"]);
        var root = new Uri(new Uri(await hub.FirstLineAsync(TimeSpan.FromSeconds(30))), "api/downstream/v1/");

        using var created = await Http.PostAsync(new Uri(root, $"new/{address}"), new StringContent(identity, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(200, (int)created.StatusCode);
        var token = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString();
        using var second = await Http.PostAsync(new Uri(root, $"new/{address}"), new StringContent(identity, System.Text.Encoding.UTF8, "application/json"));
        Assert.Contains("only 1 tokens are permitted per IP address", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var chunks = JsonDocument.Parse(await Http.GetStringAsync(new Uri(root, $"chunk/{token}/1000000")));
        var handed = chunks.RootElement.GetProperty("chunks").EnumerateArray().ToList();
        Assert.Equal(2, handed.Count); // the address's 128 KiB allowance, in 64 KiB chunks
        Assert.All(handed, chunk => Assert.Equal(65536, chunk.GetProperty("size").GetInt64()));
        Assert.All(handed, chunk => Assert.InRange(chunk.GetProperty("due").GetDouble(), 15, 20));
    }

    private static async Task<ServerList> WaitForServersAsync(Uri hub, int count)
    {
        ServerList? list = null;
        for (var attempt = 0; attempt < 150; attempt++)
        {
            list = await Http.GetFromJsonAsync<ServerList>(new Uri(hub, IntroducerProtocol.ServersPath), IntroducerProtocol.Json);
            if (list!.Servers.Count >= count)
            {
                return list;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the hub lists {list?.Servers.Count} of {count} nodes after 30 s");
        return list!;
    }
}
