using Microsoft.Extensions.Logging;

namespace Granary.Hosting;

/// <summary>How to host a node or a hub beyond what its directory says: for tests, benchmarks and the grid.</summary>
public sealed class ServerHostOptions
{
    /// <summary>Listen on this port instead of the configured one (0: any free port).</summary>
    public int? Port { get; init; }

    /// <summary>The server's clock: the system's, or one a test steers (<see cref="SteerableClock"/>).</summary>
    public TimeProvider Time { get; init; } = SteerableClock.FromEnvironment();

    /// <summary>Where log messages go; by default one line each on the console, ASP.NET Core's own only from warnings up.</summary>
    public Action<ILoggingBuilder>? Logging { get; init; }
}
