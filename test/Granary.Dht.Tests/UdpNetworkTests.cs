using System.Collections.Concurrent;
using System.Text;
using Granary.Dht.Messaging;
using Granary.Dht.Records;

namespace Granary.Dht.Tests;

/// <summary>Twenty-four real nodes on loopback UDP.</summary>
public sealed class UdpNetworkTests : IAsyncLifetime
{
    private UdpCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await UdpCluster.StartAsync(24);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_value_put_on_one_node_is_found_from_every_node()
    {
        var owner = _cluster.Nodes[3];
        var record = DhtRecord.Mutable(_cluster.KeyOf(owner), "color", "blue"u8, sequence: 1);
        Assert.True(await owner.PutAsync(record) >= 10);

        foreach (var node in _cluster.Nodes)
        {
            var found = await node.GetAsync(record.Key);
            Assert.NotNull(found);
            Assert.Equal("blue", Encoding.UTF8.GetString(found!.Value));
            Assert.Equal(owner.Id, found.Owner);
        }
    }

    [Fact]
    public async Task A_lower_sequence_number_never_replaces_a_higher_one()
    {
        var owner = _cluster.Nodes[5];
        var key = _cluster.KeyOf(owner);
        await owner.PutAsync(DhtRecord.Mutable(key, "version", "new"u8, sequence: 9));
        await owner.PutAsync(DhtRecord.Mutable(key, "version", "old"u8, sequence: 4));

        var found = await _cluster.Nodes[17].GetAsync(DhtRecord.MutableKey(owner.Id, "version"));
        Assert.Equal("new", Encoding.UTF8.GetString(found!.Value));
        Assert.Equal(9, found.Sequence);
    }

    [Fact]
    public async Task A_value_is_still_found_after_a_third_of_the_nodes_are_killed()
    {
        var record = DhtRecord.Immutable("survives churn"u8);
        await _cluster.Nodes[1].PutAsync(record);
        var victims = _cluster.Nodes.Skip(1).Where((_, i) => i % 3 == 0).ToList();
        foreach (var victim in victims)
        {
            await _cluster.KillAsync(victim);
        }

        foreach (var node in _cluster.Nodes.Except(victims))
        {
            var found = await node.GetAsync(record.Key);
            Assert.True(found is not null, $"{node.Id} did not find the value");
        }
    }

    [Fact]
    public async Task Direct_and_relayed_messages_arrive_signed_by_their_origin()
    {
        var sender = _cluster.Nodes[2];
        var recipient = _cluster.Nodes[20];
        var received = new ConcurrentQueue<ReceivedMessage>();
        recipient.MessageReceived += received.Enqueue;

        Assert.True(await sender.SendDirectAsync(recipient.Id, "hello, directly"));
        Assert.Equal(RelayOutcome.Accepted, await sender.SendRelayAsync(recipient.Id, "hello, by relay"));
        await WaitUntilAsync(() => received.Count == 2);

        var messages = received.ToArray();
        Assert.Contains(messages, m => m is { Text: "hello, directly", Relayed: false } && m.Origin == sender.Id);
        Assert.Contains(messages, m => m is { Text: "hello, by relay", Relayed: true, Hops: >= 1 } && m.Origin == sender.Id);
    }

    [Fact]
    public async Task A_message_to_a_node_nobody_knows_is_not_delivered()
    {
        using var stranger = Core.Identity.NodeKey.Generate();
        Assert.False(await _cluster.Nodes[4].SendDirectAsync(stranger.NodeId, "anyone?"));
    }

    [Fact]
    public async Task Nodes_on_loopback_report_themselves_public()
    {
        var node = _cluster.Nodes[7];
        Assert.Equal(Reachability.Public, await node.CheckReachabilityAsync());
        Assert.Equal(node.EndPoint, node.PublicEndPoint);
    }

    [Fact]
    public async Task The_map_finds_every_node_and_draws_them()
    {
        var graph = await Map.NetworkMap.CrawlAsync(_cluster.Nodes[9]);
        Assert.Equal(_cluster.Nodes.Select(n => n.Id.ToString()).Order(), graph.Nodes.Select(n => n.Id).Order());
        Assert.All(graph.Nodes, n => Assert.True(n.Answered));
        Assert.True(graph.Edges.Count >= _cluster.Nodes.Count);
        var svg = graph.ToSvg();
        Assert.Equal(_cluster.Nodes.Count, svg.Split("<circle cx=").Length - 2); // minus the ring itself
        Assert.Contains(_cluster.Nodes[0].Id.ToString()[..8], svg, StringComparison.Ordinal);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "the condition did not come true within 5 s");
    }
}
