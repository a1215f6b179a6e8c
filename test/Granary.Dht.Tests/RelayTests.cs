using System.Collections.Concurrent;
using Granary.Core.Identity;
using Granary.Dht.Messaging;
using Granary.Dht.Routing;
using Granary.Dht.Transport;

namespace Granary.Dht.Tests;

/// <summary>
/// Relays on a hand-built chain A → B → C → D, each node knowing only the next, ids chosen so each
/// is closer to D than the one before (signed datagrams, in-memory network).
/// </summary>
public sealed class RelayTests
{
    [Theory]
    [InlineData(3, true)]
    [InlineData(2, false)]
    public async Task A_relay_takes_at_most_the_hop_limit(int hopLimit, bool delivered)
    {
        await using var chain = await Chain.BuildAsync(new DhtOptions { RelayHopLimit = hopLimit });
        var received = new ConcurrentQueue<ReceivedMessage>();
        chain.D.MessageReceived += received.Enqueue;

        Assert.Equal(RelayOutcome.Accepted, await chain.A.SendRelayAsync(chain.D.Id, "along the chain"));
        if (delivered)
        {
            await UdpNetworkTests.WaitUntilAsync(() => received.Count == 1);
            Assert.Equal(3, received.Single().Hops);
            Assert.Equal(chain.A.Id, received.Single().Origin);
        }
        else
        {
            await UdpNetworkTests.WaitUntilAsync(() => chain.C.Statistics.RelayHopLimit == 1);
            Assert.Empty(received);
        }
    }

    [Fact]
    public async Task A_relay_is_only_ever_handed_to_a_node_closer_to_the_recipient()
    {
        await using var chain = await Chain.BuildAsync(new DhtOptions());

        // An id next to B's: B is the closest node to it, and C, B's only contact, is farther.
        var bytes = chain.B.Id.Bytes.ToArray();
        bytes[^1] ^= 1;
        var nearB = new NodeId(bytes);
        Assert.Equal(RelayOutcome.Refused, await chain.A.SendRelayAsync(nearB, "toward B"));
        Assert.Equal(1, chain.B.Statistics.RelayNoCloserNode);

        // A node that knows no one closer than itself does not even start a relay.
        Assert.Equal(RelayOutcome.NoRoute, await chain.D.SendRelayAsync(chain.A.Id, "D knows no one"));
    }

    /// <summary>Four nodes where each knows only the next, and each is closer to D than the last.</summary>
    private sealed class Chain : IAsyncDisposable
    {
        private readonly List<NodeKey> _keys;

        private Chain(List<NodeKey> keys, List<DhtNode> nodes)
        {
            _keys = keys;
            (A, B, C, D) = (nodes[0], nodes[1], nodes[2], nodes[3]);
        }

        public DhtNode A { get; }

        public DhtNode B { get; }

        public DhtNode C { get; }

        public DhtNode D { get; }

        public static async Task<Chain> BuildAsync(DhtOptions options)
        {
            var d = NodeKey.Generate();
            var others = Enumerable.Range(0, 3).Select(_ => NodeKey.Generate()).ToList();
            others.Sort((x, y) => Distance.Compare(d.NodeId, y.NodeId, x.NodeId)); // farthest from D first
            var keys = new List<NodeKey>(others) { d };
            var network = new InMemoryNetwork();
            var nodes = keys.Select(k => DhtNode.Create(k, network.CreateTransport(), options)).ToList();
            foreach (var node in nodes)
            {
                node.Start();
            }

            // A ping puts the answering node in the pinger's table only (the pinged one has not verified the pinger's address).
            for (var i = 0; i < 3; i++)
            {
                Assert.True(await nodes[i].PingAsync(nodes[i + 1].EndPoint));
            }

            Assert.Equal([nodes[1].Id], nodes[0].Contacts.Select(c => c.Id));
            Assert.Equal([nodes[3].Id], nodes[2].Contacts.Select(c => c.Id));

            return new Chain(keys, nodes);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var node in new[] { A, B, C, D })
            {
                await node.DisposeAsync();
            }

            foreach (var key in _keys)
            {
                key.Dispose();
            }
        }
    }
}
