using System.Net;

namespace Granary.Dht.Security;

/// <summary>
/// A token bucket per source IP address: a steady rate with bursts of twice that. The table of
/// addresses is bounded; when it is full the quietest half is forgotten.
/// </summary>
internal sealed class RateLimiter(TimeProvider time, int perSecond, int maxAddresses = 50_000)
{
    private readonly Dictionary<IPAddress, Bucket> _buckets = [];
    private readonly Lock _lock = new();

    public bool Allow(IPAddress address)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (!_buckets.TryGetValue(address, out var bucket))
            {
                if (_buckets.Count >= maxAddresses)
                {
                    foreach (var quiet in _buckets.OrderByDescending(b => b.Value.Tokens).Take(_buckets.Count / 2).Select(b => b.Key).ToList())
                    {
                        _buckets.Remove(quiet);
                    }
                }

                bucket = new Bucket { Tokens = 2.0 * perSecond, Stamp = now };
                _buckets[address] = bucket;
            }

            var elapsed = (now - bucket.Stamp) / (double)time.TimestampFrequency;
            bucket.Tokens = Math.Min(2.0 * perSecond, bucket.Tokens + (elapsed * perSecond));
            bucket.Stamp = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    private sealed class Bucket
    {
        public double Tokens;
        public long Stamp;
    }
}
