using System.Diagnostics;
using System.Net;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Protocol;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>A real `granary node run` process, killed and restarted, and on a disk that fills up.</summary>
public sealed class NodeProcessTests : IDisposable
{
    private static readonly HttpClient Http = StorageClient.CreateHttpClient();
    private readonly TempDirectory _dir = new("granary-node-process");

    public void Dispose() => _dir.Dispose();

    private static async Task<(RunningProcess Process, StorageClient Client)> RunAsync(string nodeDir)
    {
        var process = RunningProcess.Start(["node", "run", nodeDir]);
        var url = StorageUrl.Parse(await process.FirstLineAsync());
        return (process, new StorageClient(url, Http));
    }

    [Fact]
    public async Task A_node_killed_mid_upload_restarts_with_only_whole_shares()
    {
        var nodeDir = Path.Combine(_dir.Path, "node");
        Assert.Equal(0, (await GranaryProcess.RunAsync(["node", "create", nodeDir, "--capacity", "1GiB", "--reserved", "0"])).ExitCode);
        var (process, client) = await RunAsync(nodeDir);
        var index = StorageIndex.FromBytes(Guid.NewGuid().ToByteArray());
        var upload = RandomSecret();
        const int shares = 8;
        const int size = 4 << 20;
        var data = Enumerable.Range(0, shares).Select(s =>
        {
            var bytes = new byte[size];
            new Random(s).NextBytes(bytes);
            return bytes;
        }).ToArray();
        await client.AllocateAsync(index, [.. Enumerable.Range(0, shares)], size, upload, RandomSecret(), RandomSecret(), CancellationToken.None);

        // Every share is written in 256 KiB pieces, all shares at once; the node dies part way.
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, shares).Select(share => Task.Run(async () =>
        {
            for (var offset = 0; offset < size && !stop.IsCancellationRequested; offset += 256 << 10)
            {
                var progress = await client.WriteAsync(index, share, offset, data[share].AsMemory(offset, 256 << 10), upload, CancellationToken.None);
                if (progress.Required.Count == 0)
                {
                    acknowledged.Add(share);
                }

                // Half the shares go slowly, so some are surely unfinished when the node dies.
                if (share % 2 == 1)
                {
                    await Task.Delay(40);
                }
            }
        })).ToArray();
        await WaitUntilAsync(() => acknowledged.Count >= 2);
        process.KillHard();
        stop.Cancel();
        foreach (var writer in writers)
        {
            try
            {
                await writer;
            }
            catch (StorageException)
            {
                // a write in flight when the node died fails; that is the point
            }
        }

        (process, client) = await RunAsync(nodeDir);
        await using (process)
        {
            var listed = await client.ListSharesAsync(index, CancellationToken.None);
            Assert.Subset(listed.ToHashSet(), acknowledged.ToHashSet());
            Assert.True(listed.Length < shares, "the slow half cannot all have finished");
            foreach (var share in listed)
            {
                var back = new byte[size];
                Assert.Equal(size, await client.ReadAsync(index, share, 0, back, CancellationToken.None));
                Assert.True(data[share].AsSpan().SequenceEqual(back), $"share {share} was damaged by the crash");
            }

            Assert.Empty(Directory.EnumerateFiles(Path.Combine(nodeDir, "incoming"), "*", SearchOption.AllDirectories));
        }
    }

    [Fact]
    public async Task A_node_stops_cleanly_on_SIGTERM()
    {
        var nodeDir = Path.Combine(_dir.Path, "node");
        await GranaryProcess.RunAsync(["node", "create", nodeDir]);
        var (process, client) = await RunAsync(nodeDir);
        await using (process)
        {
            Assert.Equal(StorageProtocol.Version, (await client.GetVersionAsync(CancellationToken.None)).Protocol);
            Assert.Equal(0, await process.StopAsync());
        }
    }

    [Fact]
    public async Task A_disk_that_fills_up_refuses_cleanly_and_recovers()
    {
        var mount = Path.Combine(_dir.Path, "small-disk");
        Directory.CreateDirectory(mount);
        var mounted = await Shell($"mount -t tmpfs -o size=8m tmpfs '{mount}'");
        Assert.True(mounted.ExitCode == 0, $"this test mounts an 8 MiB tmpfs and needs root to do so: {mounted.Error}");
        try
        {
            var nodeDir = Path.Combine(mount, "node");
            Assert.Equal(0, (await GranaryProcess.RunAsync(["node", "create", nodeDir, "--capacity", "1GiB", "--reserved", "0"])).ExitCode);
            var (process, client) = await RunAsync(nodeDir);
            await using (process)
            {
                var available = (await client.GetVersionAsync(CancellationToken.None)).AvailableSpace;
                Assert.InRange(available, 7 << 20, 8 << 20);

                // More than the disk holds is never promised.
                var index = StorageIndex.FromBytes(Guid.NewGuid().ToByteArray());
                var upload = RandomSecret();
                Assert.Empty((await client.AllocateAsync(index, [0], 9 << 20, upload, RandomSecret(), RandomSecret(), CancellationToken.None)).Allocated);

                // Something else fills the disk behind the node's back; the write fails with 507, nothing half-written shows.
                Assert.Equal(new[] { 0 }, (await client.AllocateAsync(index, [0], 3 << 20, upload, RandomSecret(), RandomSecret(), CancellationToken.None)).Allocated);
                var filler = Path.Combine(mount, "filler");
                await File.WriteAllBytesAsync(filler, new byte[(int)(new DriveInfo(mount).AvailableFreeSpace - (64 << 10))]);
                var error = await Assert.ThrowsAsync<StorageException>(() => client.WriteAsync(index, 0, 0, new byte[3 << 20], upload, CancellationToken.None));
                Assert.Equal((HttpStatusCode)507, error.Status);
                Assert.Empty(await client.ListSharesAsync(index, CancellationToken.None));
                Assert.Equal(StorageProtocol.Version, (await client.GetVersionAsync(CancellationToken.None)).Protocol);

                // Once there is room again the same upload completes.
                File.Delete(filler);
                var done = await client.WriteAsync(index, 0, 0, new byte[3 << 20], upload, CancellationToken.None);
                Assert.Empty(done.Required);
                Assert.Equal(new[] { 0 }, await client.ListSharesAsync(index, CancellationToken.None));
            }
        }
        finally
        {
            await Shell($"umount '{mount}'");
        }
    }

    private static byte[] RandomSecret() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "the condition never became true");
    }

    private static async Task<ProcessResult> Shell(string command)
    {
        var info = new ProcessStartInfo("sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new ProcessResult(process.ExitCode, "", error);
    }
}
