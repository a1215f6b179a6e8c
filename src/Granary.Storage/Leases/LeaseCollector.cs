using Granary.Storage.Mutable;
using Granary.Storage.Shares;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Granary.Storage.Leases;

/// <summary>
/// The garbage collector: deletes buckets and slots whose leases have all expired.
/// </summary>
/// <remarks>
/// Guarantees: data with at least one live lease, or with no readable lease file at all, is never
/// deleted; a sweep examines at most <c>bucketsPerSecond</c> buckets each second, so it never
/// starves clients of the disk. It does not look at uploads in progress (they have their own idle
/// timeout) and does nothing unless enabled, as in Tahoe-LAFS. Time comes from the injected
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

    /// <summary>One pass over every bucket and slot.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var examined = 0;
        var removed = 0;
        var budget = options.GarbageCollection.BucketsPerSecond;
        foreach (var (index, isMutable) in StoreLayout.IndexesIn(layout.Shares).Select(i => (i, false))
                     .Concat(StoreLayout.IndexesIn(layout.Mutable).Select(i => (i, true))).ToList())
        {
            if (examined > 0 && examined % budget == 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            }

            examined++;
            var file = isMutable ? mutable.LeasesFile(index) : immutable.LeasesFile(index);
            if (leases.State(file) != LeaseState.Expired)
            {
                continue;
            }

            var freed = isMutable ? mutable.DeleteSlot(index) : immutable.DeleteBucket(index);
            StorageLog.Collected(logger, index.ToString(), freed);
            removed++;
        }

        StorageLog.CollectionPass(logger, examined, removed);
    }
}
