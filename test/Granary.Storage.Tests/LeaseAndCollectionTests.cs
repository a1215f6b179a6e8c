using System.Net;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Protocol;
using Granary.Storage.Leases;
using Granary.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Granary.Storage.Tests;

public class LeaseAndCollectionTests
{
    private static readonly byte[] Upload = Secrets.New();

    private static async Task<StorageIndex> StoreAsync(TestNode node, byte[] renew, byte[] cancel, int size = 1000)
    {
        var index = TestNode.RandomIndex();
        await node.Client.AllocateAsync(index, [0, 1], size, Upload, renew, cancel, CancellationToken.None);
        await node.Client.WriteAsync(index, 0, 0, new byte[size], Upload, CancellationToken.None);
        await node.Client.WriteAsync(index, 1, 0, new byte[size], Upload, CancellationToken.None);
        return index;
    }

    private static async Task<StorageIndex> WriteSlotAsync(TestNode node)
    {
        var index = TestNode.RandomIndex();
        var written = await node.Client.ReadTestWriteAsync(
            index, new Dictionary<int, TestWriteVectors> { [0] = new([], [new WriteVector(0, new byte[500])], null) }, [], Secrets.New(), Secrets.New(), Secrets.New(), CancellationToken.None);
        Assert.True(written.Success);
        return index;
    }

    // Scheduled sweeps off, so that each test's own sweeps are the only ones (a sweep runs whether or not scheduled).
    private static Task<TestNode> StartCollectingAsync(ManualTimeProvider clock, bool dryRun = false, bool scheduled = false) =>
        TestNode.StartAsync(o => o.GarbageCollection = new GarbageCollectionOptions { Enabled = scheduled, IntervalSeconds = 3600, BucketsPerSecond = 1000, GraceDays = 7, DryRun = dryRun }, clock);

    private static async Task<int> SweepAsync(TestNode node) =>
        await node.Services.GetRequiredService<LeaseCollector>().SweepAsync(CancellationToken.None);

    [Fact]
    public void Lease_expiry_is_on_by_default_with_31_day_leases_and_7_days_grace()
    {
        var options = new StorageNodeOptions();
        Assert.True(options.GarbageCollection.Enabled);
        Assert.False(options.GarbageCollection.DryRun);
        Assert.Equal(TimeSpan.FromDays(31), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromDays(7), options.LeaseGrace);
    }

    [Fact]
    public async Task Shares_outlive_their_lease_by_the_grace_period_and_renewal_extends_it()
    {
        var clock = new ManualTimeProvider();
        await using var node = await StartCollectingAsync(clock);
        var kept = await StoreAsync(node, Secrets.New(), Secrets.New());
        var renewed = await StoreAsync(node, Secrets.New(), Secrets.New());

        // Expired 6 days ago (31 + 6): still within the grace period.
        clock.Advance(TimeSpan.FromDays(37));
        Assert.Equal(0, await SweepAsync(node));
        Assert.Equal(new[] { 0, 1 }, await node.Client.ListSharesAsync(kept, CancellationToken.None));

        // A late renewal with any client's secrets adds a lease running 31 days from now.
        Assert.True(await node.Client.RenewLeaseAsync(renewed, Secrets.New(), Secrets.New(), CancellationToken.None));
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await SweepAsync(node));
        Assert.Empty(await node.Client.ListSharesAsync(kept, CancellationToken.None));
        Assert.Equal(new[] { 0, 1 }, await node.Client.ListSharesAsync(renewed, CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(node.Path, "shares", kept.ToString()[..2], kept.ToString())));
        Assert.Contains(node.Log.Entries, e => e.EventId == 1301 && e.Message.Contains(kept.ToString(), StringComparison.Ordinal));

        // The renewal runs out 29 days on; grace keeps it 7 days more, and not a day longer.
        clock.Advance(TimeSpan.FromDays(29 + 6));
        Assert.Equal(0, await SweepAsync(node));
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, await SweepAsync(node));
        Assert.Empty(await node.Client.ListSharesAsync(renewed, CancellationToken.None));
    }

    [Fact]
    public async Task A_dry_run_logs_what_it_would_remove_and_removes_nothing()
    {
        var clock = new ManualTimeProvider();
        await using var node = await StartCollectingAsync(clock, dryRun: true);
        var index = await StoreAsync(node, Secrets.New(), Secrets.New());
        clock.Advance(TimeSpan.FromDays(39));
        Assert.Equal(1, await SweepAsync(node));
        Assert.Equal(new[] { 0, 1 }, await node.Client.ListSharesAsync(index, CancellationToken.None));
        var decision = Assert.Single(node.Log.Entries, e => e.EventId == 1303);
        Assert.Contains(index.ToString(), decision.Message, StringComparison.Ordinal);
        Assert.Contains("2000 bytes", decision.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(node.Log.Entries, e => e.EventId == 1301);
    }

    [Fact]
    public async Task A_mutable_slot_expires_like_a_bucket_and_its_lease_can_be_renewed()
    {
        var clock = new ManualTimeProvider();
        await using var node = await StartCollectingAsync(clock);
        var kept = await WriteSlotAsync(node);
        var renewed = await WriteSlotAsync(node);

        clock.Advance(TimeSpan.FromDays(30));
        Assert.True(await node.Client.RenewLeaseAsync(renewed, Secrets.New(), Secrets.New(), CancellationToken.None));
        clock.Advance(TimeSpan.FromDays(9));
        Assert.Equal(1, await SweepAsync(node));
        Assert.Empty(await node.Client.ListMutableSharesAsync(kept, CancellationToken.None));
        Assert.Equal(new[] { 0 }, await node.Client.ListMutableSharesAsync(renewed, CancellationToken.None));
        Assert.Contains(node.Log.Entries, e => e.EventId == 1301 && e.Message.Contains("mutable slot " + kept, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_collector_runs_on_its_own_schedule_when_enabled()
    {
        var clock = new ManualTimeProvider();
        await using var node = await StartCollectingAsync(clock, scheduled: true);
        var index = await StoreAsync(node, Secrets.New(), Secrets.New());
        var collector = node.Services.GetRequiredService<LeaseCollector>();
        await WaitUntilAsync(() => collector.Passes >= 1);

        clock.Advance(TimeSpan.FromDays(31 + 7) + TimeSpan.FromHours(2));
        await WaitUntilAsync(async () => (await node.Client.ListSharesAsync(index, CancellationToken.None)).Length == 0);
    }

    [Fact]
    public async Task Nothing_is_collected_when_collection_is_off()
    {
        var clock = new ManualTimeProvider();
        await using var node = await TestNode.StartAsync(o => o.GarbageCollection.Enabled = false, clock);
        var index = await StoreAsync(node, Secrets.New(), Secrets.New());
        clock.Advance(TimeSpan.FromDays(400));
        await Task.Delay(200);
        Assert.Equal(new[] { 0, 1 }, await node.Client.ListSharesAsync(index, CancellationToken.None));
    }

    [Fact]
    public async Task A_bucket_whose_lease_file_is_unreadable_is_kept()
    {
        var clock = new ManualTimeProvider();
        await using var node = await StartCollectingAsync(clock);
        var index = await StoreAsync(node, Secrets.New(), Secrets.New());
        await File.WriteAllTextAsync(Path.Combine(node.Path, "shares", index.ToString()[..2], index.ToString(), "leases"), "{broken");
        clock.Advance(TimeSpan.FromDays(400));
        await SweepAsync(node);
        Assert.Equal(new[] { 0, 1 }, await node.Client.ListSharesAsync(index, CancellationToken.None));
    }

    [Fact]
    public async Task Leases_keep_only_hashes_of_their_secrets()
    {
        await using var node = await TestNode.StartAsync();
        var renew = Secrets.New();
        var cancel = Secrets.New();
        var index = await StoreAsync(node, renew, cancel);
        var file = await File.ReadAllTextAsync(Path.Combine(node.Path, "shares", index.ToString()[..2], index.ToString(), "leases"));
        Assert.DoesNotContain(Convert.ToHexStringLower(renew), file, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(renew), file, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(renew)), file, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renewing_an_unknown_index_is_not_found_and_secrets_are_required()
    {
        await using var node = await TestNode.StartAsync();
        Assert.False(await node.Client.RenewLeaseAsync(TestNode.RandomIndex(), Secrets.New(), Secrets.New(), CancellationToken.None));
        using var response = await node.SendAsync(node.Request(HttpMethod.Put, $"lease/{TestNode.RandomIndex()}"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var request = node.Request(HttpMethod.Put, $"lease/{TestNode.RandomIndex()}");
        request.Headers.TryAddWithoutValidation("X-Granary-Authorization", "lease-renew-secret !!!");
        using var malformed = await node.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task An_abandoned_upload_is_dropped_after_the_idle_timeout()
    {
        var clock = new ManualTimeProvider();
        await using var node = await TestNode.StartAsync(o => o.UploadIdleTimeoutMinutes = 60, clock);
        var index = TestNode.RandomIndex();
        var before = (await node.Client.GetVersionAsync(CancellationToken.None)).AvailableSpace;
        await node.Client.AllocateAsync(index, [0], 500_000, Upload, Secrets.New(), Secrets.New(), CancellationToken.None);
        await node.Client.WriteAsync(index, 0, 0, new byte[100], Upload, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(61));
        await WaitUntilAsync(async () => (await node.Client.GetVersionAsync(CancellationToken.None)).AvailableSpace > before - 250_000);
        var gone = await Assert.ThrowsAsync<StorageException>(() => node.Client.WriteAsync(index, 0, 100, new byte[100], Upload, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200 && !await condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(await condition(), "the condition never became true");
    }
}
