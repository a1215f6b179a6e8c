using System.Security.Cryptography;
using System.Text;
using Granary.Core.Hashing;
using Granary.Core.Identity;
using Granary.Dht.Wire;

namespace Granary.Dht.Records;

/// <summary>
/// A value stored in the DHT, BEP 44 style. An immutable value's key is the hash160 of the value
/// itself; a mutable value's key is the hash160 of its owner's node id and a salt (a name the owner
/// chose), and it carries a sequence number and the owner's signature over salt, sequence and
/// value. A record with a lower sequence number never replaces one with a higher.
/// </summary>
public sealed class DhtRecord
{
    public const int MaxValueSize = 900;
    public const int MaxSaltSize = 32;

    private static readonly byte[] MutablePurpose = "granary-dht-mutable-v1"u8.ToArray();

    private DhtRecord(NodeId key, byte[] value, bool mutable, NodeId owner, byte[] salt, long sequence, byte[] signature)
    {
        Key = key;
        Value = value;
        IsMutable = mutable;
        Owner = owner;
        Salt = salt;
        Sequence = sequence;
        Signature = signature;
    }

    public NodeId Key { get; }

    public byte[] Value { get; }

    public bool IsMutable { get; }

    /// <summary>For a mutable record, the node id of the key that signed it.</summary>
    public NodeId Owner { get; }

    public byte[] Salt { get; }

    public long Sequence { get; }

    public byte[] Signature { get; }

    public static DhtRecord Immutable(ReadOnlySpan<byte> value)
    {
        CheckSize(value.Length, 0);
        return new DhtRecord(new NodeId(Hash160.Of(value)), value.ToArray(), false, default, [], 0, []);
    }

    public static DhtRecord Mutable(NodeKey owner, string salt, ReadOnlySpan<byte> value, long sequence)
    {
        var saltBytes = Encoding.UTF8.GetBytes(salt);
        CheckSize(value.Length, saltBytes.Length);
        var signature = owner.PrivateKey.SignDigest(SignedDigest(saltBytes, sequence, value));
        return new DhtRecord(MutableKey(owner.NodeId, saltBytes), value.ToArray(), true, owner.NodeId, saltBytes, sequence, signature);
    }

    /// <summary>Where an owner's record under <paramref name="salt"/> lives.</summary>
    public static NodeId MutableKey(NodeId owner, string salt) => MutableKey(owner, Encoding.UTF8.GetBytes(salt));

    public string SaltText => Encoding.UTF8.GetString(Salt);

    internal void Write(WireWriter writer)
    {
        writer.Byte(IsMutable ? (byte)1 : (byte)0);
        if (IsMutable)
        {
            writer.Byte((byte)Salt.Length);
            writer.Bytes(Salt);
            writer.Int64(Sequence);
        }

        writer.UInt16(Value.Length);
        writer.Bytes(Value);
        if (IsMutable)
        {
            writer.Bytes(Signature);
        }
    }

    /// <summary>Reads a record and checks it whole: sizes, and for a mutable one the signature, whose signer becomes its owner.</summary>
    internal static bool TryRead(ref WireReader reader, out DhtRecord? record)
    {
        record = null;
        if (!reader.Byte(out var type) || type > 1)
        {
            return false;
        }

        if (type == 0)
        {
            if (!reader.UInt16(out var length) || length > MaxValueSize || !reader.Bytes(length, out var value))
            {
                return false;
            }

            record = Immutable(value);
            return true;
        }

        if (!reader.Byte(out var saltLength) || saltLength > MaxSaltSize || !reader.Bytes(saltLength, out var salt)
            || !reader.Int64(out var sequence)
            || !reader.UInt16(out var valueLength) || valueLength > MaxValueSize || !reader.Bytes(valueLength, out var mutableValue)
            || !reader.Bytes(65, out var signature))
        {
            return false;
        }

        if (PublicKey.Recover(signature, SignedDigest(salt, sequence, mutableValue)) is not { } signer)
        {
            return false;
        }

        record = new DhtRecord(MutableKey(signer.NodeId, salt), mutableValue.ToArray(), true, signer.NodeId, salt.ToArray(), sequence, signature.ToArray());
        return true;
    }

    /// <summary>Whether this record may replace <paramref name="existing"/> under the same key.</summary>
    public bool Supersedes(DhtRecord existing) =>
        !IsMutable || Sequence > existing.Sequence || (Sequence == existing.Sequence && Value.AsSpan().SequenceEqual(existing.Value));

    private static NodeId MutableKey(NodeId owner, ReadOnlySpan<byte> salt)
    {
        Span<byte> input = stackalloc byte[NodeId.Size + MaxSaltSize];
        owner.Bytes.CopyTo(input);
        salt.CopyTo(input[NodeId.Size..]);
        return new NodeId(Hash160.Of(input[..(NodeId.Size + salt.Length)]));
    }

    private static byte[] SignedDigest(ReadOnlySpan<byte> salt, long sequence, ReadOnlySpan<byte> value)
    {
        var writer = new WireWriter();
        writer.Bytes(MutablePurpose);
        writer.Byte((byte)salt.Length);
        writer.Bytes(salt);
        writer.Int64(sequence);
        writer.UInt16(value.Length);
        writer.Bytes(value);
        return SHA256.HashData(writer.Written);
    }

    private static void CheckSize(int value, int salt)
    {
        if (value > MaxValueSize || salt > MaxSaltSize)
        {
            throw new ArgumentException($"A DHT value is at most {MaxValueSize} bytes and a salt at most {MaxSaltSize}.");
        }
    }
}
