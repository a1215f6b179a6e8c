using Granary.Core.Identity;
using Granary.Dht.Messaging;
using Granary.Dht.Routing;
using Granary.Dht.Wire;

namespace Granary.Dht;

/// <summary>What became of a message sent through relays.</summary>
public enum RelayOutcome
{
    /// <summary>The first relay (or the recipient itself) took it.</summary>
    Accepted,

    /// <summary>No known node is closer to the recipient than this one.</summary>
    NoRoute,

    /// <summary>The next node refused it or did not answer.</summary>
    Refused,
}

public sealed partial class DhtNode
{
    /// <summary>
    /// Sends a signed message straight to <paramref name="recipient"/>, found by a lookup. True when
    /// the recipient confirmed it; false when it could not be found or refused the message.
    /// </summary>
    public async Task<bool> SendDirectAsync(NodeId recipient, string text, CancellationToken cancellationToken = default)
    {
        var message = AppMessage.Create(KeyForMessages(), recipient, text, _time.GetUtcNow());
        var contact = _table.Find(recipient) ?? (await FindNodeAsync(recipient, cancellationToken).ConfigureAwait(false)).FirstOrDefault(c => c.Id == recipient);
        if (contact is null)
        {
            return false;
        }

        var writer = new WireWriter();
        message.Write(writer);
        var answer = await RequestAsync(contact.EndPoint, contact.Id, MessageKind.Direct, writer.ToArray(), cancellationToken).ConfigureAwait(false);
        return answer is { Kind: MessageKind.DirectAck, Payload: [(byte)Delivery.Delivered] };
    }

    /// <summary>
    /// Sends a signed message toward <paramref name="recipient"/> hop by hop: each node hands it to
    /// the node it knows that is closest to the recipient and closer than itself, at most
    /// <see cref="DhtOptions.RelayHopLimit"/> times. Reaches nodes no one can contact directly, as
    /// long as they keep in touch with their neighbours.
    /// </summary>
    public async Task<RelayOutcome> SendRelayAsync(NodeId recipient, string text, CancellationToken cancellationToken = default)
    {
        var message = AppMessage.Create(KeyForMessages(), recipient, text, _time.GetUtcNow());
        if (_options.RelayHopLimit == 0 || NextHop(recipient, default) is not { } next)
        {
            return RelayOutcome.NoRoute;
        }

        var answer = await RequestAsync(next.EndPoint, next.Id, MessageKind.Relay, RelayPayload(message, 1, _options.RelayHopLimit - 1), cancellationToken).ConfigureAwait(false);
        return answer is { Kind: MessageKind.RelayAck, Payload: [(byte)Delivery.Delivered] } ? RelayOutcome.Accepted : RelayOutcome.Refused;
    }

    private Delivery ReceiveDirect(byte[] payload)
    {
        var reader = new WireReader(payload);
        if (!AppMessage.TryRead(ref reader, out var message) || reader.Remaining != 0 || message!.Destination != Id)
        {
            return Delivery.Refused;
        }

        return Deliver(message, relayed: false, hops: 1);
    }

    // A relayed message: delivered here, or queued for the next hop if one is closer and hops remain.
    private Delivery ReceiveRelay(byte[] payload, NodeId from)
    {
        var reader = new WireReader(payload);
        if (!reader.Byte(out var hopsTaken) || !reader.Byte(out var hopsLeft) || !AppMessage.TryRead(ref reader, out var message) || reader.Remaining != 0)
        {
            return Delivery.Refused;
        }

        if (message!.Destination == Id)
        {
            return Deliver(message, relayed: true, hops: hopsTaken);
        }

        if (hopsLeft == 0)
        {
            Statistics.CountRelayHopLimit();
            DhtLog.RelayDropped(_logger, message.Destination.ToString(), "hop limit reached");
            return Delivery.Refused;
        }

        if (NextHop(message.Destination, from) is not { } next)
        {
            Statistics.CountRelayNoCloserNode();
            DhtLog.RelayDropped(_logger, message.Destination.ToString(), "no closer node known");
            return Delivery.Refused;
        }

        if (!_relays.Writer.TryWrite(new Forward(next, RelayPayload(message, hopsTaken + 1, hopsLeft - 1))))
        {
            Statistics.CountRelayQueueFull();
            return Delivery.Refused;
        }

        return Delivery.Delivered;
    }

    private Delivery Deliver(AppMessage message, bool relayed, int hops)
    {
        if (!_messageReplays.Accept(message.Origin, message.Nonce, message.Timestamp))
        {
            Statistics.CountReplayed();
            return Delivery.Refused;
        }

        try
        {
            MessageReceived?.Invoke(new ReceivedMessage(message.Origin, message.Text, relayed, hops, DateTimeOffset.FromUnixTimeSeconds(message.Timestamp)));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            DhtLog.HandlerFailed(_logger, e);
        }

        return Delivery.Delivered;
    }

    // The known node closest to the destination, if it is strictly closer than this node (so a
    // relayed message always gets closer, and can never loop); never the node it came from.
    private Contact? NextHop(NodeId destination, NodeId cameFrom)
    {
        var best = _table.Find(destination) ?? _table.Closest(destination, 2).FirstOrDefault(c => c.Id != cameFrom);
        return best is not null && best.Id != cameFrom && Distance.Compare(destination, best.Id, Id) < 0 ? best : null;
    }

    private async Task ForwardRelaysAsync()
    {
        try
        {
            await Parallel.ForEachAsync(_relays.Reader.ReadAllAsync(_stop.Token), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = _stop.Token }, async (forward, ct) =>
                await RequestAsync(forward.Next.EndPoint, forward.Next.Id, MessageKind.Relay, forward.Payload, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static byte[] RelayPayload(AppMessage message, int hopsTaken, int hopsLeft)
    {
        var writer = new WireWriter();
        writer.Byte((byte)hopsTaken);
        writer.Byte((byte)hopsLeft);
        message.Write(writer);
        return writer.ToArray();
    }

    private NodeKey KeyForMessages() => _key ?? throw new InvalidOperationException("This node has no key to sign messages with.");

    private enum Delivery : byte
    {
        Delivered = 0,
        Refused = 1,
    }

    private sealed record Forward(Contact Next, byte[] Payload);
}
