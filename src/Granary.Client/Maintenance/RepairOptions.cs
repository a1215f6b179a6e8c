using Granary.Core.Identity;

namespace Granary.Client.Maintenance;

/// <summary>How a repair goes about it; <see cref="Default"/> (no exclusions, no bandwidth cap) is what the plain <c>RepairAsync</c> uses.</summary>
/// <param name="Excluded">
/// Servers the repair treats as absent, as a hub's repairer treats disqualified nodes: it reads
/// nothing from them, counts none of their shares as held (so it makes them again elsewhere), and
/// places nothing on them; the report it returns leaves them out too. Null or empty for none.
/// </param>
/// <param name="MaxBytesPerSecond">
/// A cap on the bytes the repair moves per second, counting the blocks it reads and the share bytes it
/// writes, averaged from its start (it pauses between segments when ahead). Null for no cap.
/// </param>
public sealed record RepairOptions(IReadOnlySet<NodeId>? Excluded = null, long? MaxBytesPerSecond = null)
{
    public static RepairOptions Default { get; } = new();

    public long? MaxBytesPerSecond { get; init; } = MaxBytesPerSecond is <= 0
        ? throw new ArgumentOutOfRangeException(nameof(MaxBytesPerSecond), MaxBytesPerSecond, "A bandwidth cap must be a positive number of bytes per second.")
        : MaxBytesPerSecond;
}
