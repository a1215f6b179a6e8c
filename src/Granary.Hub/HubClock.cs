namespace Granary.Hub;

/// <summary>The hub's time as the database keeps it: microseconds since the Unix epoch, UTC.</summary>
internal static class HubClock
{
    public const long MicrosPerSecond = 1_000_000;

    public static long Micros(this TimeProvider time) => ToMicros(time.GetUtcNow());

    public static long ToMicros(DateTimeOffset instant) => (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset ToInstant(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    /// <summary>
    /// Python's <c>timedelta.seconds</c> of <c>now − then</c>: the whole seconds within the day,
    /// 0–86399, whole days dropped (dataserv's MAX_PING and displayed ages use it; §5.2 of the spec).
    /// </summary>
    public static long SecondsWithinDay(long nowMicros, long thenMicros)
    {
        const long day = 86_400 * MicrosPerSecond;
        var remainder = (((nowMicros - thenMicros) % day) + day) % day;
        return remainder / MicrosPerSecond;
    }
}
