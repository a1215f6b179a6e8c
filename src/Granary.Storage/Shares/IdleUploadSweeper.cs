using Microsoft.Extensions.Hosting;

namespace Granary.Storage.Shares;

/// <summary>Frees the space of uploads their client abandoned: every minute, uploads idle past the configured timeout are dropped.</summary>
internal sealed class IdleUploadSweeper(ImmutableStore store, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await store.SweepIdleUploadsAsync(stoppingToken).ConfigureAwait(false);
        }
    }
}
