using System.Net;
using Granary.Core.Identity;
using Granary.Dht.Transport;

namespace Granary.Dht.Tests;

/// <summary>Real DHT nodes on loopback UDP, signed datagrams and all, each joined through the first.</summary>
internal sealed class UdpCluster : IAsyncDisposable
{
    private readonly List<NodeKey> _keys = [];

    private UdpCluster()
    {
    }

    public List<DhtNode> Nodes { get; } = [];

    public static async Task<UdpCluster> StartAsync(int count, DhtOptions? options = null)
    {
        var cluster = new UdpCluster();
        for (var i = 0; i < count; i++)
        {
            var key = NodeKey.Generate();
            cluster._keys.Add(key);
            var node = DhtNode.Create(key, new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), options);
            node.Start();
            if (cluster.Nodes.Count > 0)
            {
                await node.BootstrapAsync([cluster.Nodes[0].EndPoint]);
            }

            cluster.Nodes.Add(node);
        }

        // A second round of lookups, as bucket refresh would do, so early nodes learn of later ones.
        foreach (var node in cluster.Nodes)
        {
            await node.FindNodeAsync(node.Id);
        }

        return cluster;
    }

    public NodeKey KeyOf(DhtNode node) => _keys[Nodes.IndexOf(node)];

    public async Task KillAsync(DhtNode node) => await node.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }
}
