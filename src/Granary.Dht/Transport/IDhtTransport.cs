using System.Net;

namespace Granary.Dht.Transport;

/// <summary>How a DHT node sends and receives datagrams: UDP, or an in-memory network for simulation.</summary>
public interface IDhtTransport : IAsyncDisposable
{
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Starts delivering received datagrams to <paramref name="receive"/>, one call per datagram.</summary>
    void Start(Func<ReadOnlyMemory<byte>, IPEndPoint, ValueTask> receive);

    /// <summary>Sends a datagram; false when the transport knows at once it cannot arrive (the in-memory network does).</summary>
    ValueTask<bool> SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint to, CancellationToken cancellationToken);
}
