namespace Granary.Storage.Tests;

public class CapacityAndRestartTests
{
    private static readonly byte[] Upload = Secrets.New();

    [Fact]
    public async Task Allocation_never_exceeds_the_configured_capacity()
    {
        await using var node = await TestNode.StartAsync(o => o.Capacity = 10_000);
        var first = await node.Client.AllocateAsync(TestNode.RandomIndex(), [0], 6_000, Upload, Secrets.New(), Secrets.New(), CancellationToken.None);
        Assert.Equal(new[] { 0 }, first.Allocated);
        var second = await node.Client.AllocateAsync(TestNode.RandomIndex(), [0, 1], 3_000, Upload, Secrets.New(), Secrets.New(), CancellationToken.None);
        Assert.Equal(new[] { 0 }, second.Allocated); // the second share would pass 10,000
        Assert.Equal(1_000, (await node.Client.GetVersionAsync(CancellationToken.None)).AvailableSpace);
    }

    [Fact]
    public void The_disk_reserve_is_kept_whatever_the_capacity()
    {
        var diskFree = 1_000_000L;
        var space = new SpaceAccounting(long.MaxValue / 2, 950_000, () => diskFree);
        Assert.Equal(50_000, space.Available);
        Assert.False(space.TryReserve(50_001));
        Assert.True(space.TryReserve(30_000));
        Assert.Equal(20_000, space.Available); // a reservation not yet on disk still counts

        diskFree -= 30_000;
        space.Commit(30_000);
        Assert.Equal(20_000, space.Available); // now the disk's own free space counts it

        diskFree = 900_000; // something else filled the disk past the reserve
        Assert.Equal(0, space.Available);
        Assert.False(space.TryReserve(1));
    }

    [Fact]
    public async Task A_nearly_full_disk_is_never_filled_past_the_reserve()
    {
        // Reserve all but 50 KB of the real free space: the node must refuse anything larger. Other
        // suites write and delete files on the same disk while this runs, so the node's answer is judged
        // against the free space sampled just before and just after it (give or take a megabyte: small
        // files come and go between the samples and the node's own), and an attempt during which the
        // free space moved by more than the slack is tried again rather than judged.
        const long Slack = 64 << 20;
        const long Jitter = 1 << 20;
        for (var attempt = 0; ; attempt++)
        {
            var free = FreeSpace();
            var reserved = free - 50_000;
            await using var node = await TestNode.StartAsync(o =>
            {
                o.Capacity = long.MaxValue / 2;
                o.Reserved = reserved;
            });
            var before = FreeSpace();
            var available = (await node.Client.GetVersionAsync(CancellationToken.None)).AvailableSpace;
            var after = FreeSpace();
            var refused = await node.Client.AllocateAsync(TestNode.RandomIndex(), [0], available + (128 << 20), Upload, Secrets.New(), Secrets.New(), CancellationToken.None);
            var last = FreeSpace();
            long[] samples = [free, before, after, last];
            if (samples.Max() - samples.Min() > Slack && attempt < 20)
            {
                await Task.Delay(250);
                continue;
            }

            // The node reports the disk's free space less the reserve, as the disk stood at its moment (about
            // 50 KB; a node that ignored the reserve or the disk would report gigabytes).
            Assert.InRange(available, Math.Max(0, Math.Min(before, after) - reserved - Jitter), Math.Max(0, Math.Max(before, after) - reserved + Jitter));
            Assert.Empty(refused.Allocated);
            return;
        }
    }

    private static long FreeSpace() => new DriveInfo(Path.GetTempPath()).AvailableFreeSpace;

    [Fact]
    public async Task A_restart_drops_unfinished_uploads_and_keeps_finished_shares()
    {
        await using var node = await TestNode.StartAsync(o => o.Capacity = 1_000_000);
        var index = TestNode.RandomIndex();
        var data = new byte[50_000];
        new Random(9).NextBytes(data);
        await node.Client.AllocateAsync(index, [0, 1], data.Length, Upload, Secrets.New(), Secrets.New(), CancellationToken.None);
        await node.Client.WriteAsync(index, 0, 0, data, Upload, CancellationToken.None);
        await node.Client.WriteAsync(index, 1, 0, data.AsMemory(0, 30_000), Upload, CancellationToken.None);

        await node.RestartAsync();

        Assert.Equal(new[] { 0 }, await node.Client.ListSharesAsync(index, CancellationToken.None));
        var back = new byte[data.Length];
        await node.Client.ReadAsync(index, 0, 0, back, CancellationToken.None);
        Assert.Equal(data, back);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(node.Path, "incoming"), "*", SearchOption.AllDirectories));

        // The kept share still counts against capacity; the dropped upload does not.
        Assert.InRange((await node.Client.GetVersionAsync(CancellationToken.None)).AvailableSpace, 1_000_000 - 50_000 - 100, 1_000_000 - 50_000);

        // The client can allocate the dropped share again and finish it.
        var again = await node.Client.AllocateAsync(index, [0, 1], data.Length, Upload, Secrets.New(), Secrets.New(), CancellationToken.None);
        Assert.Equal(new[] { 0 }, again.AlreadyHave);
        Assert.Equal(new[] { 1 }, again.Allocated);
    }
}
