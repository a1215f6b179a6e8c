namespace Granary.Dht;

/// <summary>How a DHT node behaves. The defaults are Kademlia's and BEP 44's where those say.</summary>
public sealed class DhtOptions
{
    /// <summary>Bucket size and replication: each value lives on the k nodes closest to its key.</summary>
    public int K { get; init; } = 20;

    /// <summary>Requests a lookup keeps in flight at once.</summary>
    public int Alpha { get; init; } = 3;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Signed datagrams (the default, and the only way on a real network): the sender's id is whose key signed.</summary>
    public bool SignDatagrams { get; init; } = true;

    /// <summary>How far a signed datagram's timestamp may be from this node's clock.</summary>
    public TimeSpan ReplayWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A value not stored again in this long is dropped.</summary>
    public TimeSpan ValueLifetime { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How often a node stores again the values it published, and how often an idle bucket is refreshed.</summary>
    public TimeSpan RepublishInterval { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan BucketRefreshInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The most values a node holds for others, and the most one source address may place on it.</summary>
    public int MaxStoredValues { get; init; } = 10_000;

    public int MaxStoredValuesPerAddress { get; init; } = 1_000;

    /// <summary>Datagrams accepted per second from one IP address (a burst of twice as many is let through).</summary>
    public int DatagramsPerSecondPerAddress { get; init; } = 2_000;

    /// <summary>How many forwards a relayed message may take at most.</summary>
    public int RelayHopLimit { get; init; } = 16;

    /// <summary>Relayed messages waiting to be forwarded; more are dropped.</summary>
    public int RelayQueueCapacity { get; init; } = 1_000;

    public void Validate()
    {
        if (K is < 2 or > 32 || Alpha is < 1 or > 16)
        {
            throw new ArgumentException("k must be between 2 and 32 and alpha between 1 and 16.");
        }

        if (RequestTimeout <= TimeSpan.Zero || RelayHopLimit is < 0 or > 64 || RelayQueueCapacity < 1 || MaxStoredValues < 1 || DatagramsPerSecondPerAddress < 1)
        {
            throw new ArgumentException("Timeouts, limits and capacities must be positive (relay hop limit 0 to 64).");
        }
    }
}
