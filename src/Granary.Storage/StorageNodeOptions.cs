namespace Granary.Storage;

/// <summary>
/// A storage node's settings, bound from <c>DIR/node.json</c> and then from environment variables
/// <c>GRANARY_NODE_…</c> (e.g. <c>GRANARY_NODE_PORT</c>, <c>GRANARY_NODE_GARBAGECOLLECTION__ENABLED</c>).
/// </summary>
public sealed class StorageNodeOptions
{
    public const string ConfigFormat = "granary-node";
    public const int ConfigVersion = 1;

    public string Format { get; set; } = ConfigFormat;

    public int Version { get; set; } = ConfigVersion;

    /// <summary>The address to listen on; loopback unless the farmer opens it up.</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; }

    /// <summary>The most the node will ever store, in bytes.</summary>
    public long Capacity { get; set; } = 10L << 30;

    /// <summary>Free disk space the node always leaves alone, in bytes.</summary>
    public long Reserved { get; set; } = 1L << 30;

    public int LeaseDurationDays { get; set; } = 31;

    public long MaximumImmutableShareSize { get; set; } = 1L << 40;

    public long MaximumMutableShareSize { get; set; } = 64L << 30;

    /// <summary>The largest body one write may carry.</summary>
    public int MaximumWriteSize { get; set; } = 16 << 20;

    /// <summary>
    /// Write the whole pages of uploaded shares with O_DIRECT, bypassing the page cache (Linux, where the
    /// file system allows it; otherwise buffered). Off: every byte through the page cache.
    /// </summary>
    public bool DirectWrites { get; set; } = true;

    /// <summary>An upload nobody has written to for this long is abandoned and its space freed.</summary>
    public int UploadIdleTimeoutMinutes { get; set; } = 60;

    public GarbageCollectionOptions GarbageCollection { get; set; } = new();

    /// <summary>Hubs to register with as a farmer and announce this node's storage URL to.</summary>
    public List<string> Hubs { get; set; } = [];

    /// <summary>The bitcoin address hubs should credit; empty for the node's own address.</summary>
    public string? PayoutAddress { get; set; }

    /// <summary>Downstream contracts (seeded test chunks, challenged on an interval) to hold from each hub; 0 to farm none.</summary>
    public int FarmContracts { get; set; }

    /// <summary>How often the node pings its hubs (dataserv's MAX_PING is 60 s, its online window 5 minutes).</summary>
    public int HubPingSeconds { get; set; } = 60;

    /// <summary>The DHT this node joins and publishes its storage URL in; null to stay out of it.</summary>
    public NodeDhtOptions? Dht { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan LeaseDuration => TimeSpan.FromDays(LeaseDurationDays);

    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan LeaseGrace => TimeSpan.FromDays(GarbageCollection.GraceDays);

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        if (Format != ConfigFormat || Version != ConfigVersion)
        {
            throw new InvalidOperationException($"node.json is format '{Format}' version {Version}; this Granary reads '{ConfigFormat}' version {ConfigVersion}.");
        }

        Require(Port is >= 1 and <= 65535, $"port {Port} is not between 1 and 65535");
        Require(!string.IsNullOrWhiteSpace(Host), "host is empty");
        Require(Capacity >= 0, "capacity is negative");
        Require(Reserved >= 0, "reserved is negative");
        Require(LeaseDurationDays is >= 1 and <= 3650, $"leaseDurationDays {LeaseDurationDays} is not between 1 and 3650");
        Require(MaximumMutableShareSize is > 0 and <= 1L << 40, "maximumMutableShareSize must be between 1 byte and 1 TiB");
        Require(MaximumWriteSize is >= 4096 and <= 256 << 20, "maximumWriteSize must be between 4 KiB and 256 MiB");
        Require(UploadIdleTimeoutMinutes >= 1, "uploadIdleTimeoutMinutes must be at least 1");
        Require(GarbageCollection.IntervalSeconds >= 1, "garbageCollection.intervalSeconds must be at least 1");
        Require(GarbageCollection.BucketsPerSecond >= 1, "garbageCollection.bucketsPerSecond must be at least 1");
        Require(GarbageCollection.GraceDays is >= 0 and <= 3650, $"garbageCollection.graceDays {GarbageCollection.GraceDays} is not between 0 and 3650");
        Require(HubPingSeconds is >= 1 and <= 3600, "hubPingSeconds must be between 1 and 3600");
        Require(FarmContracts is >= 0 and <= 1000, "farmContracts must be between 0 and 1000");
        foreach (var hub in Hubs)
        {
            Require(Uri.TryCreate(hub, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https", $"hub '{hub}' is not an http(s) URL");
        }

        Require(Dht is null || Dht.Port is >= 0 and <= 65535, "dht.port must be between 0 and 65535");
        foreach (var seed in Dht?.Bootstrap ?? [])
        {
            var colon = seed.LastIndexOf(':');
            Require(colon > 0 && int.TryParse(seed[(colon + 1)..], out var port) && port is >= 1 and <= 65535, $"dht.bootstrap '{seed}' is not HOST:PORT");
        }

        Require(
            string.IsNullOrEmpty(PayoutAddress) || Core.Identity.BitcoinAddress.TryParse(PayoutAddress, out _, out _),
            $"payoutAddress '{PayoutAddress}' is not a bitcoin address");
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Invalid node configuration: {problem}.");
        }
    }
}

/// <summary>
/// Removing shares whose leases have all expired. On by default (unlike Tahoe-LAFS) now that clients
/// and hubs renew leases: a share is removed once every lease on it ran out more than
/// <see cref="GraceDays"/> ago. <see cref="DryRun"/> logs what would go and removes nothing.
/// </summary>
public sealed class GarbageCollectionOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Days a share is kept after its last lease expired, so a renewal that comes late still finds it.</summary>
    public int GraceDays { get; set; } = 7;

    /// <summary>Log each share a sweep would remove (event 1303) and remove nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>Seconds between the starts of two sweeps over every bucket.</summary>
    public int IntervalSeconds { get; set; } = 3600;

    /// <summary>How many buckets a sweep examines per second at most, so it never hogs the disk.</summary>
    public int BucketsPerSecond { get; set; } = 100;
}

/// <summary>A storage node's place in the DHT: the UDP port it listens on and the nodes it joins through.</summary>
public sealed class NodeDhtOptions
{
    /// <summary>UDP port, on the node's host address (0: any free port at each start).</summary>
    public int Port { get; set; }

    /// <summary>Nodes to join through, HOST:PORT; none for the first node of a network.</summary>
    public List<string> Bootstrap { get; set; } = [];
}
