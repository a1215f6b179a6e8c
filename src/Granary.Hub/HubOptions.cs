using System.Text.Json.Serialization;

namespace Granary.Hub;

/// <summary>
/// A hub's settings, bound from <c>DIR/hub.json</c>, then from environment variables
/// <c>GRANARY_HUB_…</c>, then from the flags of <c>granary hub run</c>.
/// </summary>
public sealed class HubOptions
{
    public const string ConfigFormat = "granary-hub";
    public const int ConfigVersion = 1;

    public string Format { get; set; } = ConfigFormat;

    public int Version { get; set; } = ConfigVersion;

    /// <summary>The address to listen on; loopback unless the operator opens it up.</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; }

    /// <summary>A PostgreSQL URL (<c>postgresql://user:password@host:port/database</c>); empty for SQLite in the hub's directory.</summary>
    public string? Database { get; set; }

    /// <summary>dataserv's MAX_PING: a ping moves a farmer's last-seen time only if at least this long has passed.</summary>
    public int MaxPingSeconds { get; set; } = 60;

    /// <summary>dataserv's ONLINE_TIME: a farmer seen within this long is online.</summary>
    public int OnlineWindowSeconds { get; set; } = 300;

    /// <summary>dataserv's AUTHENTICATION_TIMEOUT: how far a signed Date may be from the hub's clock.</summary>
    public int AuthWindowSeconds { get; set; } = 20;

    /// <summary>dataserv's CACHING_TIME for /api/address, /api/online, /api/online/json and /api/total; 0 turns caching off.</summary>
    public int CacheSeconds { get; set; } = 30;

    /// <summary>An announcement lapses this long after it was made unless the node announces again.</summary>
    public int AnnouncementTtlSeconds { get; set; } = 600;

    /// <summary>The encoding the introducer advises clients to use.</summary>
    public EncodingOptions Encoding { get; set; } = new();

    /// <summary>The P2PFlix file tracker on its own listener (docs/tracker.md).</summary>
    public Tracker.TrackerOptions Tracker { get; set; } = new();

    /// <summary>The downstream node API: farmer tokens, chunk contracts and challenges (docs/proofs-of-storage.md).</summary>
    public Downstream.DownstreamOptions Downstream { get; set; } = new();

    /// <summary>The keeper: audits, reputations, lease renewal and repair of the files clients ask the hub to keep (docs/keeper.md).</summary>
    public Keeper.KeeperOptions Keeper { get; set; } = new();

    [JsonIgnore]
    public TimeSpan OnlineWindow => TimeSpan.FromSeconds(OnlineWindowSeconds);

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        if (Format != ConfigFormat || Version != ConfigVersion)
        {
            throw new InvalidOperationException($"hub.json is format '{Format}' version {Version}; this Granary reads '{ConfigFormat}' version {ConfigVersion}.");
        }

        Require(Port is >= 0 and <= 65535, $"port {Port} is not between 0 and 65535");
        Require(!string.IsNullOrWhiteSpace(Host), "host is empty");
        Require(MaxPingSeconds is >= 0 and < 86400, "maxPingSeconds must be between 0 and 86399");
        Require(OnlineWindowSeconds is >= 1 and <= 86400 * 365, "onlineWindowSeconds must be between 1 and a year");
        Require(AuthWindowSeconds is >= 1 and <= 86400, "authWindowSeconds must be between 1 and 86400");
        Require(CacheSeconds is >= 0 and <= 86400, "cacheSeconds must be between 0 and 86400");
        Require(AnnouncementTtlSeconds is >= 10 and <= 86400 * 7, "announcementTtlSeconds must be between 10 and a week");
        Require(
            Encoding.Needed >= 1 && Encoding.Needed <= Encoding.Happy && Encoding.Happy <= Encoding.Total && Encoding.Total <= 256,
            $"encoding must satisfy 1 <= needed <= happy <= total <= 256 (it is {Encoding.Needed}/{Encoding.Happy}/{Encoding.Total})");
        Tracker.Validate(Host);
        Downstream.Validate();
        Keeper.Validate();
        if (!string.IsNullOrEmpty(Database) && !Data.PostgresUrl.TryParse(Database, out _, out var error))
        {
            throw new InvalidOperationException($"Invalid hub configuration: database: {error}.");
        }
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Invalid hub configuration: {problem}.");
        }
    }
}

/// <summary>The k, happy and n the introducer advises.</summary>
public sealed class EncodingOptions
{
    public int Needed { get; set; } = 3;

    public int Happy { get; set; } = 7;

    public int Total { get; set; } = 10;
}
