using Granary.Core.Caps;
using Granary.Storage.Mutable;
using Granary.Storage.Shares;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Granary.Storage.Leases;

/// <summary>
/// The garbage collector: deletes buckets and slots whose leases have all expired, a grace period ago.
/// </summary>
/// <remarks>
/// Guarantees: data with a lease that expired less than the grace period ago (or not at all), or
/// with no readable lease file, is never deleted; a sweep examines at most <c>bucketsPerSecond</c>
/// buckets each second, so it never starves clients of the disk; in dry-run mode it deletes nothing
/// and logs each bucket it would have deleted. It does not look at uploads in progress (they have
/// their own idle timeout). A renewal racing the sweep may lose to it, which the grace period makes
/// a matter of a client renewing weeks late. On by default, unlike Tahoe-LAFS, because clients
/// (<c>check --add-lease</c>) and hubs renew leases. Time comes from the injected
/// <see cref="TimeProvider"/>, so tests drive expiry without waiting.
/// </remarks>
internal sealed class LeaseCollector(
    StorageNodeOptions options,
    StoreLayout layout,
    LeaseStore leases,
    ImmutableStore immutable,
    MutableStore mutable,
    TimeProvider time,
    ILogger<LeaseCollector> logger) : BackgroundService
{
    /// <summary>Completed sweeps, for tests that wait on one.</summary>
    public int Passes => Volatile.Read(ref _passes);

    private int _passes;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.GarbageCollection.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.GarbageCollection.IntervalSeconds), time);
        do
        {
            await SweepAsync(stoppingToken).ConfigureAwait(false);
            Interlocked.Increment(ref _passes);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One pass over every bucket and slot; returns how many it removed (or, in a dry run, would have).</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var examined = 0;
        var removed = 0;
        var budget = options.GarbageCollection.BucketsPerSecond;
        var dryRun = options.GarbageCollection.DryRun;
        foreach (var (index, isMutable) in StoreLayout.IndexesIn(layout.Shares).Select(i => (i, false))
                     .Concat(StoreLayout.IndexesIn(layout.Mutable).Select(i => (i, true))).ToList())
        {
            if (examined > 0 && examined % budget == 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            }

            examined++;
            var file = isMutable ? mutable.LeasesFile(index) : immutable.LeasesFile(index);
            if (leases.LatestExpiry(file) is not { } expired || expired + options.LeaseGrace > time.GetUtcNow())
            {
                continue;
            }

            var kind = isMutable ? "mutable slot" : "immutable bucket";
            if (dryRun)
            {
                StorageLog.WouldCollect(logger, kind, index.ToString(), isMutable ? SizeOf(mutable.List(index), mutable.SharePath, index) : SizeOf(immutable.List(index), immutable.SharePath, index), expired);
            }
            else
            {
                var freed = isMutable ? mutable.DeleteSlot(index) : immutable.DeleteBucket(index);
                StorageLog.Collected(logger, kind, index.ToString(), freed, expired);
            }

            removed++;
        }

        StorageLog.CollectionPass(logger, examined, removed, dryRun ? " (dry run: nothing removed)" : "");
        return removed;
    }

    private static long SizeOf(List<int> shares, Func<StorageIndex, int, string?> path, StorageIndex index) =>
        shares.Sum(share => path(index, share) is { } file ? new FileInfo(file).Length : 0);
}
