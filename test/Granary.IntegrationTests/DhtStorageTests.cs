using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>Storage nodes that publish themselves in the DHT, and a client that knows nothing but a DHT address.</summary>
public sealed class DhtStorageTests : IDisposable
{
    private readonly TempDirectory _dir = new("granary-dht-storage");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_client_given_only_a_bootstrap_address_finds_storage_nodes_and_stores_a_file()
    {
        await using var seed = RunningProcess.Start(["dht", "run", "--host", "127.0.0.1"]);
        var seedAddress = (await seed.FirstLineAsync(TimeSpan.FromSeconds(30))).Split('@')[1];
        var nodes = new List<RunningProcess>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var dir = _dir.File($"node-{i}");
                var created = await GranaryProcess.RunAsync(["node", "create", dir, "--capacity", "1GiB", "--dht-bootstrap", seedAddress]);
                Assert.True(created.ExitCode == 0, created.Error);
                var node = RunningProcess.Start(["node", "run", dir]);
                nodes.Add(node);
                await node.FirstLineAsync(TimeSpan.FromSeconds(30));
            }

            foreach (var node in nodes)
            {
                await node.WaitForLogAsync("Published the storage URL", TimeSpan.FromSeconds(30));
            }

            var clientDir = _dir.File("client");
            Directory.CreateDirectory(clientDir);
            await File.WriteAllTextAsync(Path.Combine(clientDir, "client.json"), $$"""{"dhtBootstrap": ["{{seedAddress}}"], "needed": 2, "happy": 3, "total": 4}""");
            var file = _dir.File("file");
            await File.WriteAllBytesAsync(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(200_000));
            var put = await GranaryProcess.RunAsync(["put", file, "--client-dir", clientDir]);
            Assert.True(put.ExitCode == 0, put.Error);
            var cap = put.Output.Trim().Split('\n')[^1];

            var check = await GranaryProcess.RunAsync(["check", cap, "--client-dir", clientDir, "--json"]);
            Assert.True(check.ExitCode == 0, check.Error);
            var back = _dir.File("back");
            var get = await GranaryProcess.RunAsync(["get", cap, "-o", back, "--client-dir", clientDir]);
            Assert.True(get.ExitCode == 0, get.Error);
            Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(back));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
