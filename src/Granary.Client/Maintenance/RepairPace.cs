namespace Granary.Client.Maintenance;

/// <summary>
/// Holds a repair to a bandwidth cap: told the bytes each step moved, it waits (on the client's
/// clock) until the average since the start is back under the cap. Without a cap it never waits.
/// </summary>
internal sealed class RepairPace(TimeProvider time, long? bytesPerSecond)
{
    private readonly long _started = time.GetTimestamp();
    private long _moved;

    public async ValueTask MovedAsync(long bytes, CancellationToken cancellationToken)
    {
        if (bytesPerSecond is not long rate)
        {
            return;
        }

        _moved += bytes;
        var due = TimeSpan.FromSeconds((double)_moved / rate) - time.GetElapsedTime(_started);
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
