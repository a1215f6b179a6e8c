using System.Threading.RateLimiting;

namespace Granary.Hub.Tracker;

/// <summary>
/// §10.16's per-IP rate limit: a token bucket per peer address (as <see cref="TrackerApi.PeerIp"/>
/// gives it, so IPv4-mapped clients share their IPv4 bucket and a trusted proxy's clients get one
/// each). It refuses, it never queues: a refused request costs the tracker no more than its answer.
/// Buckets that have been full for a few seconds are dropped, so memory follows the addresses
/// active right now, not every address ever seen. It deliberately does not group IPv6 addresses by
/// prefix, nor know about federation: the API exempts authenticated members itself.
/// </summary>
internal sealed class TrackerRateLimit : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    /// <param name="perPeriod">Tokens that come back each <paramref name="period"/>; 0 turns the limit off.</param>
    /// <param name="burst">The bucket's size: requests an idle address may make at once.</param>
    /// <param name="period">How often tokens come back (a second, except in tests).</param>
    public TrackerRateLimit(int perPeriod, int burst, TimeSpan period)
    {
        if (perPeriod <= 0)
        {
            return;
        }

        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(burst, perPeriod),
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            // The partitioned limiter's own heartbeat refills every bucket: no timer per address.
            AutoReplenishment = false,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(ip => RateLimitPartition.GetTokenBucketLimiter(ip, _ => options));
    }

    public bool Enabled => _limiter is not null;

    /// <summary>Takes one token from <paramref name="ip"/>'s bucket; false, with whole seconds to wait, when it is empty.</summary>
    public bool TryAcquire(string ip, out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        if (_limiter is null)
        {
            return true;
        }

        using var lease = _limiter.AttemptAcquire(ip);
        if (lease.IsAcquired)
        {
            return true;
        }

        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        retryAfterSeconds = (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);
        return false;
    }

    public void Dispose() => _limiter?.Dispose();
}
