using System.Text.Json.Nodes;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Protocol;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>Lease expiry in a real `granary node run`: on by default, set at `node create`, and a dry run that only logs.</summary>
public sealed class LeaseExpiryProcessTests : IDisposable
{
    private static readonly HttpClient Http = StorageClient.CreateHttpClient();
    private readonly TempDirectory _dir = new("granary-lease-expiry");

    public void Dispose() => _dir.Dispose();

    private static byte[] Secret() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    private static async Task<(RunningProcess Process, StorageClient Client)> RunAsync(params string[] args)
    {
        var process = RunningProcess.Start(["node", "run", .. args]);
        return (process, new StorageClient(StorageUrl.Parse(await process.FirstLineAsync()), Http));
    }

    [Fact]
    public async Task A_share_whose_lease_expired_past_the_grace_is_logged_by_a_dry_run_and_removed_by_a_real_one()
    {
        var nodeDir = Path.Combine(_dir.Path, "node");
        var created = await GranaryProcess.RunAsync(["node", "create", nodeDir, "--capacity", "1GiB", "--reserved", "0", "--lease-days", "10", "--lease-grace-days", "2"]);
        Assert.True(created.ExitCode == 0, created.Error);
        Assert.Contains("leases run 10 days; shares unleased for 2 days are removed", created.Output, StringComparison.Ordinal);
        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(nodeDir, "node.json")))!;
        Assert.Equal(10, (int)config["leaseDurationDays"]!);
        Assert.True((bool)config["garbageCollection"]!["enabled"]!);
        Assert.Equal(2, (int)config["garbageCollection"]!["graceDays"]!);

        var index = StorageIndex.FromBytes(Guid.NewGuid().ToByteArray());
        var (first, client) = await RunAsync(nodeDir);
        await using (first)
        {
            var upload = Secret();
            await client.AllocateAsync(index, [0], 1000, upload, Secret(), Secret(), CancellationToken.None);
            await client.WriteAsync(index, 0, 0, new byte[1000], upload, CancellationToken.None);
            Assert.Equal(0, await first.StopAsync());
        }

        // The upload's lease ran 10 days; make it one that ran out 3 days ago, past the 2 days of grace.
        var si = index.ToString();
        var leases = Path.Combine(nodeDir, "shares", si[..2], si, "leases");
        var file = JsonNode.Parse(await File.ReadAllTextAsync(leases))!;
        var expires = (long)file["leases"]![0]!["expires"]!;
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(9.9).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddDays(10.1).ToUnixTimeSeconds());
        file["leases"]![0]!["expires"] = DateTimeOffset.UtcNow.AddDays(-3).ToUnixTimeSeconds();
        await File.WriteAllTextAsync(leases, file.ToJsonString());

        var (dryRun, dryClient) = await RunAsync(nodeDir, "--lease-expiry-dry-run");
        await using (dryRun)
        {
            await dryRun.WaitForLogAsync("[1302]");
            Assert.Contains($"[1303] Garbage collection (dry run) would remove immutable bucket {si} (1000 bytes)", dryRun.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("[1301]", dryRun.Error, StringComparison.Ordinal);
            Assert.Equal(new[] { 0 }, await dryClient.ListSharesAsync(index, CancellationToken.None));
            Assert.Equal(0, await dryRun.StopAsync());
        }

        var (real, realClient) = await RunAsync(nodeDir);
        await using (real)
        {
            await real.WaitForLogAsync("[1302]");
            Assert.Contains($"[1301] Garbage collection removed immutable bucket {si} (1000 bytes)", real.Error, StringComparison.Ordinal);
            Assert.Empty(await realClient.ListSharesAsync(index, CancellationToken.None));
        }
    }
}
