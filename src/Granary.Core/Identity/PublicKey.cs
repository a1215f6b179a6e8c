namespace Granary.Core.Identity;

/// <summary>A secp256k1 public key, in the compressed (33-byte) or uncompressed (65-byte) encoding it came in.</summary>
public sealed class PublicKey : IEquatable<PublicKey>
{
    private readonly byte[] _encoded;

    private PublicKey(byte[] encoded) => _encoded = encoded;

    public ReadOnlySpan<byte> Bytes => _encoded;

    public bool IsCompressed => _encoded.Length == Secp256k1.CompressedSize;

    /// <summary>Parses and validates an encoded point; throws <see cref="FormatException"/> if it is not on the curve.</summary>
    public static PublicKey Parse(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length is not (Secp256k1.CompressedSize or Secp256k1.UncompressedSize))
        {
            throw new FormatException($"A public key is 33 (compressed) or 65 (uncompressed) bytes, not {encoded.Length}.");
        }

        var normalized = Secp256k1.NormalizePublicKey(encoded, encoded.Length == Secp256k1.CompressedSize)
            ?? throw new FormatException("The bytes are not a point on secp256k1.");
        return new PublicKey(normalized);
    }

    public static PublicKey ParseHex(string hex)
    {
        try
        {
            return Parse(Convert.FromHexString(hex));
        }
        catch (FormatException e) when (e.Message.StartsWith("The input is not", StringComparison.Ordinal))
        {
            throw new FormatException("A public key in hex must be 66 or 130 hex digits.", e);
        }
    }

    internal static PublicKey FromTrusted(byte[] encoded) => new(encoded);

    /// <summary>
    /// The compressed public key a <see cref="PrivateKey.SignDigest"/> signature of <paramref name="digest"/>
    /// recovers to; null when the signature is malformed or recovers to none.
    /// </summary>
    public static PublicKey? Recover(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> digest)
    {
        if (signature.Length != 65 || signature[0] > 3 || digest.Length != 32)
        {
            return null;
        }

        var recovered = Secp256k1.Recover(signature[1..], signature[0], digest, compressed: true);
        return recovered is null ? null : new PublicKey(recovered);
    }

    public PublicKey ToCompressed() => IsCompressed ? this : new PublicKey(Secp256k1.NormalizePublicKey(_encoded, compressed: true)!);

    public PublicKey ToUncompressed() => IsCompressed ? new PublicKey(Secp256k1.NormalizePublicKey(_encoded, compressed: false)!) : this;

    /// <summary>hash160 of this encoding: what a P2PKH address holds.</summary>
    public byte[] Hash160() => Hashing.Hash160.Of(_encoded);

    /// <summary>The P2PKH address of this encoding (compressed and uncompressed keys have different addresses).</summary>
    public BitcoinAddress Address(BitcoinNetwork network = BitcoinNetwork.Mainnet) => BitcoinAddress.FromPublicKeyHash(Hash160(), network);

    /// <summary>The node id: hash160 of the compressed key, whatever encoding this is.</summary>
    public NodeId NodeId => new(Hashing.Hash160.Of(ToCompressed()._encoded));

    public override string ToString() => Convert.ToHexStringLower(_encoded);

    public bool Equals(PublicKey? other) => other is not null && _encoded.AsSpan().SequenceEqual(other._encoded);

    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    public override int GetHashCode() => BitConverter.ToInt32(_encoded, 1);
}
