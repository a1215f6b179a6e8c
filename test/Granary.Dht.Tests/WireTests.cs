using Granary.Core.Identity;
using Granary.Dht.Records;
using Granary.Dht.Security;
using Granary.Dht.Wire;

namespace Granary.Dht.Tests;

public sealed class WireTests
{
    [Fact]
    public void An_envelope_round_trips_and_any_change_breaks_its_signature()
    {
        using var key = NodeKey.Generate();
        var signer = new KeySigner(key);
        var datagram = Envelope.Encode(signer, MessageKind.FindNode, 1795285646, 42, 7, 9, new byte[20], padTo: 300);
        Assert.Equal(300, datagram.Length);
        Assert.True(Envelope.TryDecode(datagram, signer, out var envelope));
        Assert.Equal((MessageKind.FindNode, key.NodeId, 1795285646L, 42UL, 7UL, 9UL, 20), (envelope.Kind, envelope.Sender, envelope.Timestamp, envelope.Nonce, envelope.TransactionId, envelope.Token, envelope.Payload.Length));

        for (var i = 0; i < datagram.Length; i++)
        {
            var changed = (byte[])datagram.Clone();
            changed[i] ^= 0x01;
            Assert.False(Envelope.TryDecode(changed, signer, out _), $"a change at byte {i} went unnoticed");
        }
    }

    [Fact]
    public void Random_bytes_never_decode_and_never_throw()
    {
        var random = new Random(5);
        using var key = NodeKey.Generate();
        var signer = new KeySigner(key);
        var unsigned = new UnsignedSigner(key.NodeId);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 1300)];
            random.NextBytes(bytes);
            if (bytes.Length > 5)
            {
                (bytes[0], bytes[1], bytes[2], bytes[3]) = ((byte)'G', (byte)'D', 1, (byte)random.Next(1, 13));
            }

            Assert.False(Envelope.TryDecode(bytes, signer, out _));
            Envelope.TryDecode(bytes, unsigned, out _);
            var reader = new WireReader(bytes);
            DhtRecord.TryRead(ref reader, out _);
            Payloads.TryReadContacts(bytes, out _);
        }
    }

    [Fact]
    public void A_mutable_record_names_its_signer_and_refuses_tampering()
    {
        using var owner = NodeKey.Generate();
        var record = DhtRecord.Mutable(owner, "name", "value"u8, 5);
        Assert.Equal(DhtRecord.MutableKey(owner.NodeId, "name"), record.Key);
        var writer = new WireWriter();
        record.Write(writer);
        var bytes = writer.ToArray();

        var reader = new WireReader(bytes);
        Assert.True(DhtRecord.TryRead(ref reader, out var read));
        Assert.Equal((owner.NodeId, 5L, "name"), (read!.Owner, read.Sequence, read.SaltText));

        // Another sequence number with the old signature: it now names another signer, hence another key.
        bytes[1 + 1 + 4 + 7] ^= 1;
        reader = new WireReader(bytes);
        Assert.True(!DhtRecord.TryRead(ref reader, out var tampered) || tampered!.Key != record.Key);
    }

    [Fact]
    public void Only_a_higher_sequence_or_the_same_value_replaces_a_mutable_record()
    {
        using var owner = NodeKey.Generate();
        var five = DhtRecord.Mutable(owner, "n", "five"u8, 5);
        Assert.True(DhtRecord.Mutable(owner, "n", "six"u8, 6).Supersedes(five));
        Assert.True(DhtRecord.Mutable(owner, "n", "five"u8, 5).Supersedes(five));
        Assert.False(DhtRecord.Mutable(owner, "n", "other"u8, 5).Supersedes(five));
        Assert.False(DhtRecord.Mutable(owner, "n", "four"u8, 4).Supersedes(five));
    }

    [Fact]
    public void Values_and_salts_beyond_the_limits_are_refused() =>
        Assert.Throws<ArgumentException>(() => DhtRecord.Immutable(new byte[DhtRecord.MaxValueSize + 1]));
}
