using System.Net;
using System.Net.Sockets;
using Granary.Core.Identity;
using Granary.Dht.Messaging;
using Granary.Dht.Security;
using Granary.Dht.Transport;
using Granary.Dht.Wire;

namespace Granary.Dht.Tests;

/// <summary>A node on loopback UDP against a raw socket that sends whatever it likes.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private readonly NodeKey _nodeKey = NodeKey.Generate();
    private readonly NodeKey _attackerKey = NodeKey.Generate();
    private readonly UdpClient _attacker = new(new IPEndPoint(IPAddress.Loopback, 0));
    private DhtNode _node = null!;

    public Task InitializeAsync()
    {
        _node = DhtNode.Create(_nodeKey, new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), new DhtOptions { DatagramsPerSecondPerAddress = 100_000 });
        _node.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _attacker.Dispose();
        _nodeKey.Dispose();
        _attackerKey.Dispose();
    }

    [Fact]
    public async Task Random_and_truncated_datagrams_draw_no_reply_and_break_nothing()
    {
        var random = new Random(20261121);
        var sent = 0;
        for (var i = 0; i < 3000; i++)
        {
            var garbage = new byte[random.Next(0, Envelope.MaxDatagramSize + 1)];
            random.NextBytes(garbage);
            if (i % 2 == 0 && garbage.Length > 2)
            {
                (garbage[0], garbage[1], garbage[2]) = ((byte)'G', (byte)'D', 1); // past the magic, into the parser
            }

            await _attacker.SendAsync(garbage, _node.EndPoint);
            await PaceAsync(++sent);
        }

        var valid = Request(MessageKind.FindNode, _nodeKey.NodeId.Bytes.ToArray(), padTo: 905);
        for (var length = 0; length < valid.Length; length++)
        {
            await _attacker.SendAsync(valid.AsMemory(0, length), _node.EndPoint);
            await PaceAsync(++sent);
        }

        // Datagrams over the protocol's limit are dropped unread (and not counted).
        for (var i = 0; i < 20; i++)
        {
            await _attacker.SendAsync(new byte[random.Next(Envelope.MaxDatagramSize + 1, 9000)], _node.EndPoint);
        }

        var flipped = (byte[])valid.Clone();
        flipped[70] ^= 0x40;
        await _attacker.SendAsync(flipped, _node.EndPoint);
        await PaceAsync(++sent, every: 1);

        Assert.Null(await ReceiveAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(sent, _node.Statistics.Malformed);

        // Still answering, and in full.
        var reply = await ExchangeAsync(valid);
        Assert.NotNull(reply);
        Assert.True(reply!.Length <= valid.Length);
    }

    [Fact]
    public async Task A_stranger_never_gets_a_reply_larger_than_its_request()
    {
        // An unpadded ping from an address the node has not verified: the pong would be larger, so none comes.
        Assert.Null(await ExchangeAsync(Request(MessageKind.Ping, [])));

        // An unpadded find_node: the answer is cut to fit.
        var small = Request(MessageKind.FindNode, _nodeKey.NodeId.Bytes.ToArray());
        var reply = await ExchangeAsync(small);
        Assert.NotNull(reply);
        Assert.True(reply!.Length <= small.Length, $"{reply.Length} > {small.Length}");

        // Padded, it gets its full answer, and a token that makes padding unnecessary afterwards.
        var padded = await ExchangeAsync(Request(MessageKind.Ping, [], padTo: 200));
        Assert.NotNull(padded);
        Assert.True(Envelope.TryDecode(padded, new KeySigner(_nodeKey), out var pong));
        Assert.NotEqual(0UL, pong.Token);
        Assert.NotNull(await ExchangeAsync(Request(MessageKind.Ping, [], token: pong.Token)));
    }

    [Fact]
    public async Task A_replayed_request_and_a_replayed_message_are_refused()
    {
        var received = 0;
        _node.MessageReceived += _ => Interlocked.Increment(ref received);
        var message = AppMessage.Create(_attackerKey, _node.Id, "only once", DateTimeOffset.UtcNow);
        var writer = new WireWriter();
        message.Write(writer);
        var datagram = Request(MessageKind.Direct, writer.ToArray());

        var first = await ExchangeAsync(datagram);
        Assert.NotNull(first);
        Assert.Null(await ExchangeAsync(datagram)); // the same datagram again: the request is a replay
        Assert.Equal(1, _node.Statistics.Replayed);

        // The same signed message in a fresh datagram: delivered no second time.
        var again = await ExchangeAsync(Request(MessageKind.Direct, writer.ToArray()));
        Assert.True(Envelope.TryDecode(again!, new KeySigner(_nodeKey), out var ack));
        Assert.Equal([1], ack.Payload);
        Assert.Equal(1, received);
    }

    [Fact]
    public async Task Stale_timestamps_and_forged_senders_are_refused()
    {
        var stale = Envelope.Encode(new KeySigner(_attackerKey), MessageKind.Ping, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), 7, 1, 0, [], 200);
        Assert.Null(await ExchangeAsync(stale));

        // Signed by the attacker but claiming the node's own id.
        var forged = Request(MessageKind.Ping, [], padTo: 200);
        _nodeKey.NodeId.Bytes.CopyTo(forged.AsSpan(5));
        Assert.Null(await ExchangeAsync(forged));
    }

    // Lets the node catch up every so often, so the kernel drops none of the flood for want of buffer.
    private async Task PaceAsync(int sent, int every = 10)
    {
        if (sent % every != 0)
        {
            return;
        }

        for (var i = 0; i < 200 && _node.Statistics.Received < sent; i++)
        {
            await Task.Delay(5);
        }
    }

    private byte[] Request(MessageKind kind, byte[] payload, int padTo = 0, ulong token = 0) =>
        Envelope.Encode(new KeySigner(_attackerKey), kind, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), (ulong)Random.Shared.NextInt64() | 1, (ulong)Random.Shared.NextInt64() | 1, token, payload, padTo);

    private async Task<byte[]?> ExchangeAsync(byte[] datagram)
    {
        await _attacker.SendAsync(datagram, _node.EndPoint);
        return await ReceiveAsync(TimeSpan.FromSeconds(1));
    }

    private async Task<byte[]?> ReceiveAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return (await _attacker.ReceiveAsync(deadline.Token)).Buffer;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
