using Granary.Core.Formats;

namespace Granary.Core.Identity;

public enum AddressKind
{
    /// <summary>Pay to public key hash: starts with 1 (mainnet) or m/n (testnet).</summary>
    PublicKeyHash,

    /// <summary>Pay to script hash: starts with 3 (mainnet) or 2 (testnet). Valid, but never a node.</summary>
    ScriptHash,
}

/// <summary>A base58check bitcoin address: a version byte and a 20-byte hash.</summary>
public sealed class BitcoinAddress : IEquatable<BitcoinAddress>
{
    private const int PayloadSize = 1 + Hashing.Hash160.HashSize;

    private readonly byte[] _hash;

    private BitcoinAddress(byte version, byte[] hash, BitcoinNetwork network, AddressKind kind)
    {
        Version = version;
        _hash = hash;
        Network = network;
        Kind = kind;
    }

    public byte Version { get; }

    public ReadOnlySpan<byte> Hash => _hash;

    public BitcoinNetwork Network { get; }

    public AddressKind Kind { get; }

    public static BitcoinAddress FromPublicKeyHash(ReadOnlySpan<byte> hash, BitcoinNetwork network = BitcoinNetwork.Mainnet)
    {
        if (hash.Length != Hashing.Hash160.HashSize)
        {
            throw new ArgumentException("An address holds a 20-byte hash.", nameof(hash));
        }

        return new BitcoinAddress(NetworkVersions.PublicKeyHash(network), hash.ToArray(), network, AddressKind.PublicKeyHash);
    }

    /// <summary>
    /// Parses an address, or says which check failed: the characters (base58), the checksum, the
    /// length (25 bytes: version, 20-byte hash, checksum) or the version byte.
    /// </summary>
    public static bool TryParse(string text, out BitcoinAddress? address, out string error)
    {
        address = null;
        if (!Base58.TryDecodeCheck(text, out var payload, out error))
        {
            error = $"not a bitcoin address: {error}";
            return false;
        }

        if (payload.Length != PayloadSize)
        {
            error = $"not a bitcoin address: it decodes to {payload.Length + 4} bytes; an address is 25 (version, 20-byte hash, checksum)";
            return false;
        }

        (BitcoinNetwork Network, AddressKind Kind)? meaning = payload[0] switch
        {
            0x00 => (BitcoinNetwork.Mainnet, AddressKind.PublicKeyHash),
            0x05 => (BitcoinNetwork.Mainnet, AddressKind.ScriptHash),
            0x6F => (BitcoinNetwork.Testnet, AddressKind.PublicKeyHash),
            0xC4 => (BitcoinNetwork.Testnet, AddressKind.ScriptHash),
            _ => null,
        };
        if (meaning is null)
        {
            error = $"not a bitcoin address: version byte 0x{payload[0]:x2} is none of 0x00, 0x05 (mainnet) or 0x6f, 0xc4 (testnet)";
            return false;
        }

        address = new BitcoinAddress(payload[0], payload[1..], meaning.Value.Network, meaning.Value.Kind);
        return true;
    }

    public static BitcoinAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address! : throw new FormatException(char.ToUpperInvariant(error[0]) + error[1..] + ".");

    public override string ToString()
    {
        var payload = new byte[PayloadSize];
        payload[0] = Version;
        _hash.CopyTo(payload, 1);
        return Base58.EncodeCheck(payload);
    }

    public bool Equals(BitcoinAddress? other) => other is not null && Version == other.Version && _hash.AsSpan().SequenceEqual(other._hash);

    public override bool Equals(object? obj) => Equals(obj as BitcoinAddress);

    public override int GetHashCode() => BitConverter.ToInt32(_hash);
}
