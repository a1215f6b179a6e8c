using System.Text.RegularExpressions;

namespace Granary.Hub.Tracker;

/// <summary>
/// The P2PFlix file tracker's settings: the <c>tracker</c> section of hub.json
/// (<c>GRANARY_HUB_TRACKER__…</c> in the environment, <c>--tracker-…</c> flags of <c>hub run</c>).
/// Federation members live in their own file (<see cref="Federation.TrackerMembers"/>) because they carry keys.
/// </summary>
public sealed partial class TrackerOptions
{
    /// <summary>The port every legacy P2PFlix client and tracker dials.</summary>
    public const int DefaultPort = 42070;

    /// <summary>§1.2: the largest request body the tracker reads.</summary>
    public const long MaxBodyBytes = 16 * 1024 * 1024;

    public bool Enabled { get; set; } = true;

    /// <summary>Where the tracker listens (<c>http://HOST:PORT</c>); empty: the hub's host on port 42070.</summary>
    public string? Urls { get; set; }

    /// <summary>This tracker's id among its federation's members; empty: the hub's address.</summary>
    public string? TrackerId { get; set; }

    /// <summary>How long after its last keep-alive a peer still counts as active (§4; the original's config.toml says 20).</summary>
    public int KeepAliveTimeoutSeconds { get; set; } = 20;

    /// <summary>Answer every application response with HTTP 200, as the original does (for the unmodified client, §1.1).</summary>
    public bool LegacyHttpStatus { get; set; }

    /// <summary>Addresses whose <c>X-Forwarded-For</c> names the peer (reverse proxies in front of the tracker).</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>How far a federation call's timestamp may be from this tracker's clock (§9.1: 300 s).</summary>
    public int AuthWindowSeconds { get; set; } = 300;

    /// <summary>Events queued for one member before its queue is dropped and it must re-sync (§9.4).</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Consecutive failed deliveries after which a member is shown offline (it stays configured).</summary>
    public int OfflineAfterFailures { get; set; } = 5;

    /// <summary>How long an event may stay out of order before this tracker asks its sender for a snapshot instead (§9.2).</summary>
    public int GapResyncSeconds { get; set; } = 600;

    /// <summary>Events sent to a member in one signed request.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>The largest snapshot this tracker accepts from a donor.</summary>
    public long MaxSnapshotBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Requests per second one peer IP may make on average (§10.16, answered 429 beyond it); 0 turns
    /// the limit off. Generous on purpose: many peers can share one address behind a NAT, a peer
    /// sharing a folder sends one add_file per file, and test harnesses drive many peers from one
    /// address; 1,000/s is still a sixth of what a hub commits (about 6,500 keep-alives/s on two cores),
    /// so no one address can take the tracker. Authenticated federation calls are not counted.
    /// </summary>
    public int RateLimitPerSecond { get; set; } = 1000;

    /// <summary>Requests one peer IP may make at once before <see cref="RateLimitPerSecond"/> applies; 0: four seconds' worth.</summary>
    public int RateLimitBurst { get; set; }

    /// <summary>How long a client may take to send a request's headers before its connection is closed (slow-loris).</summary>
    public int RequestHeadersTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a kept-alive connection may sit idle between requests.</summary>
    public int IdleTimeoutSeconds { get; set; } = 60;

    /// <summary>The slowest a request body may arrive, after a 10 s grace period (bounds a body's time to its size over this rate).</summary>
    public int MinRequestBodyBytesPerSecond { get; set; } = 1024;

    /// <summary>The bucket size <see cref="RateLimitBurst"/> stands for.</summary>
    public int EffectiveRateLimitBurst => RateLimitBurst > 0 ? RateLimitBurst : (int)Math.Min(4L * RateLimitPerSecond, int.MaxValue);

    /// <summary>The listen URL, defaulting to the hub's host on port 42070.</summary>
    public Uri ListenUrl(string hubHost)
    {
        if (!string.IsNullOrEmpty(Urls))
        {
            return Uri.TryCreate(Urls, UriKind.Absolute, out var uri) && uri.Scheme == "http" && uri.AbsolutePath == "/" && uri.Query.Length == 0
                ? uri
                : throw new InvalidOperationException($"Invalid hub configuration: tracker.urls '{Urls}' is not like http://HOST:PORT.");
        }

        var host = hubHost.Contains(':', StringComparison.Ordinal) ? $"[{hubHost}]" : hubHost;
        return new Uri($"http://{host}:{DefaultPort}/");
    }

    public string EffectiveId(string hubAddress) => string.IsNullOrEmpty(TrackerId) ? hubAddress : TrackerId;

    /// <summary>A member id: a short token that fits in a header and a log line.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public void Validate(string hubHost)
    {
        if (!Enabled)
        {
            return;
        }

        _ = ListenUrl(hubHost);
        Require(TrackerId is null or "" || IsValidId(TrackerId), "tracker.trackerId must be 1-64 characters of A-Z a-z 0-9 . _ -");
        Require(KeepAliveTimeoutSeconds is >= 1 and <= 86400, "tracker.keepAliveTimeoutSeconds must be between 1 and 86400");
        Require(AuthWindowSeconds is >= 10 and <= 3600, "tracker.authWindowSeconds must be between 10 and 3600");
        Require(QueueCapacity is >= 1 and <= 10_000_000, "tracker.queueCapacity must be between 1 and 10000000");
        Require(OfflineAfterFailures is >= 1 and <= 1000, "tracker.offlineAfterFailures must be between 1 and 1000");
        Require(GapResyncSeconds is >= 1 and <= 86400, "tracker.gapResyncSeconds must be between 1 and 86400");
        Require(BatchSize is >= 1 and <= 4096, "tracker.batchSize must be between 1 and 4096");
        Require(MaxSnapshotBytes is >= 1 << 20 and <= 1L << 34, "tracker.maxSnapshotBytes must be between 1 MiB and 16 GiB");
        Require(RateLimitPerSecond is >= 0 and <= 1_000_000, "tracker.rateLimitPerSecond must be between 0 (off) and 1000000");
        Require(RateLimitBurst == 0 || RateLimitBurst >= RateLimitPerSecond, "tracker.rateLimitBurst must be 0 (four seconds' worth) or at least tracker.rateLimitPerSecond");
        Require(RateLimitBurst is >= 0 and <= 10_000_000, "tracker.rateLimitBurst must be between 0 and 10000000");
        Require(RequestHeadersTimeoutSeconds is >= 1 and <= 600, "tracker.requestHeadersTimeoutSeconds must be between 1 and 600");
        Require(IdleTimeoutSeconds is >= 1 and <= 3600, "tracker.idleTimeoutSeconds must be between 1 and 3600");
        Require(MinRequestBodyBytesPerSecond is >= 0 and <= 1 << 30, "tracker.minRequestBodyBytesPerSecond must be between 0 (no floor) and 1 GiB");
        foreach (var proxy in TrustedProxies)
        {
            Require(System.Net.IPAddress.TryParse(proxy, out _), $"tracker.trustedProxies: '{proxy}' is not an IP address");
        }
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Invalid hub configuration: {problem}.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex IdPattern();
}
