using Granary.Core.Identity;
using Granary.Dht.Security;

namespace Granary.Dht.Wire;

/// <summary>
/// One datagram: a fixed header, the payload, zero padding, and the sender's signature over all of
/// it. The header names the kind, the sender, a timestamp and nonce (so a replayed datagram is
/// refused), the transaction id that pairs a response with its request, and an address token.
/// </summary>
/// <remarks>
/// <code>
/// 0  'G' 'D'   2  version (1)   3  kind   4  flags (bit 0: signed)   5  sender id (20)
/// 25 timestamp, Unix seconds (8)   33 nonce (8)   41 transaction id (8)   49 address token (8)
/// 57 payload length (2)   59 payload, then zeros to the padded size, then the signature
/// </code>
/// A token in a request is one the recipient issued to the requester's address; a token in a
/// response is issued by the responder to the requester's address, for later requests.
/// </remarks>
internal readonly record struct Envelope(MessageKind Kind, NodeId Sender, long Timestamp, ulong Nonce, ulong TransactionId, ulong Token, byte[] Payload, int Size)
{
    public const int HeaderSize = 59;

    /// <summary>No datagram is larger: it fits the IPv6 minimum MTU with room for IP and UDP headers.</summary>
    public const int MaxDatagramSize = 1232;

    private const byte Version = 1;
    private const byte SignedFlag = 1;

    /// <summary>Encodes and signs a datagram, padded with zeros to at least <paramref name="padTo"/> bytes.</summary>
    public static byte[] Encode(IDatagramSigner signer, MessageKind kind, long timestamp, ulong nonce, ulong transactionId, ulong token, ReadOnlySpan<byte> payload, int padTo = 0)
    {
        var unpadded = HeaderSize + payload.Length + signer.SignatureSize;
        var size = Math.Min(Math.Max(unpadded, padTo), MaxDatagramSize);
        if (unpadded > MaxDatagramSize)
        {
            throw new ArgumentException($"A {kind} payload of {payload.Length} bytes does not fit a datagram.", nameof(payload));
        }

        var writer = new WireWriter();
        writer.Byte((byte)'G');
        writer.Byte((byte)'D');
        writer.Byte(Version);
        writer.Byte((byte)kind);
        writer.Byte(signer.SignatureSize > 0 ? SignedFlag : (byte)0);
        writer.Id(signer.Id);
        writer.Int64(timestamp);
        writer.UInt64(nonce);
        writer.UInt64(transactionId);
        writer.UInt64(token);
        writer.UInt16(payload.Length);
        writer.Bytes(payload);
        writer.Zeros(size - unpadded);
        var signature = writer.Take(signer.SignatureSize);
        var datagram = writer.ToArray();
        signer.Sign(datagram.AsSpan(0, datagram.Length - signer.SignatureSize), datagram.AsSpan(datagram.Length - signer.SignatureSize));
        return datagram;
    }

    /// <summary>Reads and checks a datagram: false for anything malformed, unknown, unsigned where signatures are required, or signed by another key than the sender's.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> datagram, IDatagramSigner verifier, out Envelope envelope)
    {
        envelope = default;
        if (datagram.Length is < HeaderSize or > MaxDatagramSize)
        {
            return false;
        }

        var reader = new WireReader(datagram);
        if (!reader.Byte(out var g) || !reader.Byte(out var d) || g != 'G' || d != 'D'
            || !reader.Byte(out var version) || version != Version
            || !reader.Byte(out var kindByte) || !MessageKinds.IsKnown((MessageKind)kindByte)
            || !reader.Byte(out var flags)
            || !reader.Id(out var sender)
            || !reader.Int64(out var timestamp)
            || !reader.UInt64(out var nonce)
            || !reader.UInt64(out var transactionId)
            || !reader.UInt64(out var token)
            || !reader.UInt16(out var length)
            || !reader.Bytes(length, out var payload))
        {
            return false;
        }

        var signed = (flags & SignedFlag) != 0;
        if (signed != verifier.SignatureSize > 0 || reader.Remaining < verifier.SignatureSize)
        {
            return false;
        }

        var signatureStart = datagram.Length - verifier.SignatureSize;
        if (!verifier.Verify(datagram[..signatureStart], datagram[signatureStart..], sender))
        {
            return false;
        }

        envelope = new Envelope((MessageKind)kindByte, sender, timestamp, nonce, transactionId, token, payload.ToArray(), datagram.Length);
        return true;
    }
}
