using System.Collections.Concurrent;
using System.Net;

namespace Granary.Dht.Transport;

/// <summary>
/// Thousands of DHT nodes in one process: each gets an address in 10.0.0.0/8, and a datagram is
/// handed to its recipient on the thread pool. A datagram to a removed node fails at once (as an
/// ICMP port-unreachable would on a real network), so simulations spend no time in timeouts.
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<IPEndPoint, Endpoint> _endpoints = new();
    private int _next;

    public int Count => _endpoints.Count;

    public IDhtTransport CreateTransport()
    {
        var n = Interlocked.Increment(ref _next);
        var address = new IPEndPoint(new IPAddress([10, (byte)(n >> 16), (byte)(n >> 8), (byte)n]), 4000);
        var endpoint = new Endpoint(this, address);
        _endpoints[address] = endpoint;
        return endpoint;
    }

    /// <summary>Takes a node off the network at once, as if its machine had gone.</summary>
    public void Remove(IPEndPoint address) => _endpoints.TryRemove(address, out _);

    private sealed class Endpoint(InMemoryNetwork network, IPEndPoint address) : IDhtTransport
    {
        private Func<ReadOnlyMemory<byte>, IPEndPoint, ValueTask>? _receive;

        public IPEndPoint LocalEndPoint => address;

        public void Start(Func<ReadOnlyMemory<byte>, IPEndPoint, ValueTask> receive) => _receive = receive;

        public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint to, CancellationToken cancellationToken)
        {
            if (!network._endpoints.TryGetValue(to, out var recipient) || recipient._receive is not { } receive)
            {
                return ValueTask.FromResult(false);
            }

            var copy = datagram.ToArray();
            ThreadPool.UnsafeQueueUserWorkItem(_ => _ = receive(copy, address), null);
            return ValueTask.FromResult(true);
        }

        public ValueTask DisposeAsync()
        {
            network.Remove(address);
            return ValueTask.CompletedTask;
        }
    }
}
