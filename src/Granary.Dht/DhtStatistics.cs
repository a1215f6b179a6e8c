namespace Granary.Dht;

/// <summary>What a node has seen and refused since it started; every counter only grows.</summary>
public sealed class DhtStatistics
{
    private long _received;
    private long _sent;
    private long _malformed;
    private long _rateLimited;
    private long _replayed;
    private long _relayHopLimit;
    private long _relayNoCloserNode;
    private long _relayQueueFull;

    public long Received => Interlocked.Read(ref _received);

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Datagrams that did not parse, or whose signature was not their sender's.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public long RateLimited => Interlocked.Read(ref _rateLimited);

    /// <summary>Requests and messages refused as replays (seen before, or timestamped outside the window).</summary>
    public long Replayed => Interlocked.Read(ref _replayed);

    public long RelayHopLimit => Interlocked.Read(ref _relayHopLimit);

    public long RelayNoCloserNode => Interlocked.Read(ref _relayNoCloserNode);

    public long RelayQueueFull => Interlocked.Read(ref _relayQueueFull);

    internal void CountReceived() => Interlocked.Increment(ref _received);

    internal void CountSent() => Interlocked.Increment(ref _sent);

    internal void CountMalformed() => Interlocked.Increment(ref _malformed);

    internal void CountRateLimited() => Interlocked.Increment(ref _rateLimited);

    internal void CountReplayed() => Interlocked.Increment(ref _replayed);

    internal void CountRelayHopLimit() => Interlocked.Increment(ref _relayHopLimit);

    internal void CountRelayNoCloserNode() => Interlocked.Increment(ref _relayNoCloserNode);

    internal void CountRelayQueueFull() => Interlocked.Increment(ref _relayQueueFull);
}
