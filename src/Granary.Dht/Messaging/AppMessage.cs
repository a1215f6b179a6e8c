using System.Security.Cryptography;
using System.Text;
using Granary.Core.Identity;
using Granary.Dht.Wire;

namespace Granary.Dht.Messaging;

/// <summary>
/// A message from one node to another, signed by its origin with a timestamp and a nonce so the
/// recipient can tell who wrote it and refuse a replay. Relays forward it unchanged.
/// </summary>
internal sealed record AppMessage(NodeId Origin, NodeId Destination, long Timestamp, ulong Nonce, string Text, byte[] Signature)
{
    public const int MaxTextBytes = 700;

    private static readonly byte[] Purpose = "granary-dht-message-v1"u8.ToArray();

    public static AppMessage Create(NodeKey origin, NodeId destination, string text, DateTimeOffset now)
    {
        if (Encoding.UTF8.GetByteCount(text) > MaxTextBytes)
        {
            throw new ArgumentException($"A message is at most {MaxTextBytes} bytes of UTF-8.", nameof(text));
        }

        var nonce = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        var timestamp = now.ToUnixTimeSeconds();
        var signature = origin.PrivateKey.SignDigest(Digest(origin.NodeId, destination, timestamp, nonce, text));
        return new AppMessage(origin.NodeId, destination, timestamp, nonce, text, signature);
    }

    public void Write(WireWriter writer)
    {
        writer.Id(Origin);
        writer.Id(Destination);
        writer.Int64(Timestamp);
        writer.UInt64(Nonce);
        var text = Encoding.UTF8.GetBytes(Text);
        writer.UInt16(text.Length);
        writer.Bytes(text);
        writer.Bytes(Signature);
    }

    /// <summary>Reads a message and checks that its origin signed it; false for anything else.</summary>
    public static bool TryRead(ref WireReader reader, out AppMessage? message)
    {
        message = null;
        if (!reader.Id(out var origin) || !reader.Id(out var destination) || !reader.Int64(out var timestamp) || !reader.UInt64(out var nonce)
            || !reader.UInt16(out var length) || length > MaxTextBytes || !reader.Bytes(length, out var textBytes)
            || !reader.Bytes(65, out var signature))
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(textBytes);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        if (PublicKey.Recover(signature, Digest(origin, destination, timestamp, nonce, text)) is not { } signer || signer.NodeId != origin)
        {
            return false;
        }

        message = new AppMessage(origin, destination, timestamp, nonce, text, signature.ToArray());
        return true;
    }

    private static byte[] Digest(NodeId origin, NodeId destination, long timestamp, ulong nonce, string text)
    {
        var writer = new WireWriter();
        writer.Bytes(Purpose);
        writer.Id(origin);
        writer.Id(destination);
        writer.Int64(timestamp);
        writer.UInt64(nonce);
        var bytes = Encoding.UTF8.GetBytes(text);
        writer.UInt16(bytes.Length);
        writer.Bytes(bytes);
        return SHA256.HashData(writer.Written);
    }
}

/// <summary>A message this node received, as <see cref="DhtNode.MessageReceived"/> reports it.</summary>
public sealed record ReceivedMessage(NodeId Origin, string Text, bool Relayed, int Hops, DateTimeOffset SentAt);
