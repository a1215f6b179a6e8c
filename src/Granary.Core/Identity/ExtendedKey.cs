using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Granary.Core.Formats;

namespace Granary.Core.Identity;

/// <summary>
/// A BIP32 extended key (storjnode's "HWIF"): a key and a chain code from which a tree of child
/// keys derives. Private extended keys (xprv/tprv) derive private and public children; public ones
/// (xpub/tpub) derive public, non-hardened children only.
/// </summary>
public sealed class ExtendedKey
{
    public const uint HardenedOffset = 0x80000000;
    private const int SerializedSize = 78;

    private readonly byte[] _chainCode;
    private readonly PrivateKey? _privateKey;

    private ExtendedKey(BitcoinNetwork network, byte depth, uint parentFingerprint, uint childNumber, byte[] chainCode, PrivateKey? privateKey, PublicKey publicKey)
    {
        Network = network;
        Depth = depth;
        ParentFingerprint = parentFingerprint;
        ChildNumber = childNumber;
        _chainCode = chainCode;
        _privateKey = privateKey;
        PublicKey = publicKey;
    }

    public BitcoinNetwork Network { get; }

    public byte Depth { get; }

    public uint ParentFingerprint { get; }

    public uint ChildNumber { get; }

    public ReadOnlySpan<byte> ChainCode => _chainCode;

    public bool IsPrivate => _privateKey is not null;

    /// <summary>The key itself; throws for a public extended key.</summary>
    public PrivateKey PrivateKey => _privateKey ?? throw new InvalidOperationException("A public extended key has no private key.");

    /// <summary>The compressed public key.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>The first four bytes of hash160 of the public key: how children name their parent.</summary>
    public uint Fingerprint => BinaryPrimitives.ReadUInt32BigEndian(PublicKey.Hash160());

    /// <summary>The master key of a seed (16 to 64 bytes): HMAC-SHA512 keyed with "Bitcoin seed".</summary>
    public static ExtendedKey FromSeed(ReadOnlySpan<byte> seed, BitcoinNetwork network = BitcoinNetwork.Mainnet)
    {
        if (seed.Length is < 16 or > 64)
        {
            throw new ArgumentException("A BIP32 seed is 16 to 64 bytes.", nameof(seed));
        }

        var digest = HMACSHA512.HashData("Bitcoin seed"u8, seed);
        try
        {
            var key = PrivateKey.FromSecret(digest.AsSpan(0, 32), compressed: true, network);
            return new ExtendedKey(network, 0, 0, 0, digest[32..], key, key.PublicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(digest);
        }
    }

    /// <summary>Parses xprv/xpub/tprv/tpub text, or says what is wrong with it.</summary>
    public static bool TryParse(string text, out ExtendedKey? key, out string error)
    {
        key = null;
        if (!Base58.TryDecodeCheck(text.Trim(), out var data, out error))
        {
            error = $"not an extended key: {error}";
            return false;
        }

        try
        {
            if (data.Length != SerializedSize)
            {
                error = $"not an extended key: it holds {data.Length} bytes, not {SerializedSize}";
                return false;
            }

            var version = BinaryPrimitives.ReadUInt32BigEndian(data);
            (BitcoinNetwork Network, bool Private)? meaning = version switch
            {
                0x0488ADE4 => (BitcoinNetwork.Mainnet, true),
                0x0488B21E => (BitcoinNetwork.Mainnet, false),
                0x04358394 => (BitcoinNetwork.Testnet, true),
                0x043587CF => (BitcoinNetwork.Testnet, false),
                _ => null,
            };
            if (meaning is null)
            {
                error = $"not an extended key: version 0x{version:x8} is none of xprv, xpub, tprv, tpub";
                return false;
            }

            var depth = data[4];
            var parent = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(5));
            var child = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(9));
            if (depth == 0 && (parent != 0 || child != 0))
            {
                error = "not an extended key: a master key (depth 0) has a parent fingerprint or child number";
                return false;
            }

            var chain = data[13..45];
            var keyData = data.AsSpan(45, 33);
            if (meaning.Value.Private)
            {
                if (keyData[0] != 0 || !Secp256k1.IsValidSecretKey(keyData[1..]))
                {
                    error = "not an extended key: the private key is not a valid secp256k1 secret";
                    return false;
                }

                var privateKey = PrivateKey.FromSecret(keyData[1..], compressed: true, meaning.Value.Network);
                key = new ExtendedKey(meaning.Value.Network, depth, parent, child, chain, privateKey, privateKey.PublicKey);
            }
            else
            {
                if (keyData[0] is not (2 or 3) || Secp256k1.NormalizePublicKey(keyData, compressed: true) is not { } point)
                {
                    error = "not an extended key: the public key is not a valid compressed secp256k1 point";
                    return false;
                }

                key = new ExtendedKey(meaning.Value.Network, depth, parent, child, chain, null, PublicKey.FromTrusted(point));
            }

            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    public static ExtendedKey Parse(string text) =>
        TryParse(text, out var key, out var error) ? key! : throw new FormatException(char.ToUpperInvariant(error[0]) + error[1..] + ".");

    /// <summary>The public extended key of this key (itself if it is already public).</summary>
    public ExtendedKey Neuter() => _privateKey is null ? this : new ExtendedKey(Network, Depth, ParentFingerprint, ChildNumber, _chainCode, null, PublicKey);

    /// <summary>Child <paramref name="index"/>; indexes from 2^31 up are hardened (private parents only).</summary>
    public ExtendedKey Derive(uint index)
    {
        if (Depth == byte.MaxValue)
        {
            throw new InvalidOperationException("BIP32 trees are at most 255 levels deep.");
        }

        var hardened = index >= HardenedOffset;
        if (hardened && _privateKey is null)
        {
            throw new InvalidOperationException("A hardened child needs the private parent key.");
        }

        var data = new byte[37];
        if (hardened)
        {
            _privateKey!.Secret.CopyTo(data.AsSpan(1));
        }
        else
        {
            PublicKey.Bytes.CopyTo(data);
        }

        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(33), index);
        var digest = HMACSHA512.HashData(_chainCode, data);
        try
        {
            var tweak = digest.AsSpan(0, 32);
            var chain = digest[32..];
            if (_privateKey is not null)
            {
                var secret = Secp256k1.TweakSecret(_privateKey.Secret, tweak)
                    ?? throw new CryptographicException($"Child {index} is invalid (probability below 2^-127); use the next index.");
                var child = PrivateKey.FromSecret(secret, compressed: true, Network);
                CryptographicOperations.ZeroMemory(secret);
                return new ExtendedKey(Network, (byte)(Depth + 1), Fingerprint, index, chain, child, child.PublicKey);
            }

            var point = Secp256k1.TweakPublicKey(PublicKey.Bytes, tweak)
                ?? throw new CryptographicException($"Child {index} is invalid (probability below 2^-127); use the next index.");
            return new ExtendedKey(Network, (byte)(Depth + 1), Fingerprint, index, chain, null, PublicKey.FromTrusted(point));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
            CryptographicOperations.ZeroMemory(digest);
        }
    }

    /// <summary>Derives along a path such as <c>m/0'/1/2h</c> (relative to this key).</summary>
    public ExtendedKey Derive(string path)
    {
        var parts = path.Trim().Split('/');
        if (parts.Length == 0 || parts[0] != "m")
        {
            throw new FormatException($"A derivation path starts with 'm', as in m/0'/1; got '{path}'.");
        }

        var key = this;
        foreach (var part in parts.Skip(1))
        {
            var hardened = part.EndsWith('\'') || part.EndsWith('h') || part.EndsWith('H');
            var digits = hardened ? part[..^1] : part;
            if (!uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= HardenedOffset)
            {
                throw new FormatException($"'{part}' in path '{path}' is not a child index below 2^31 (with ' or h for hardened).");
            }

            key = key.Derive(hardened ? index + HardenedOffset : index);
        }

        return key;
    }

    /// <summary>Names the key by its public form, so logging one never leaks a secret; <see cref="Serialize"/> gives the text.</summary>
    public override string ToString() => $"ExtendedKey({Neuter().Serialize()})";

    /// <summary>The xprv/xpub (or tprv/tpub) text of this key; for a private key, a secret.</summary>
    public string Serialize()
    {
        var data = new byte[SerializedSize];
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(data, _privateKey is null ? NetworkVersions.ExtendedPublic(Network) : NetworkVersions.ExtendedPrivate(Network));
            data[4] = Depth;
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(5), ParentFingerprint);
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(9), ChildNumber);
            _chainCode.CopyTo(data, 13);
            if (_privateKey is null)
            {
                PublicKey.Bytes.CopyTo(data.AsSpan(45));
            }
            else
            {
                _privateKey.Secret.CopyTo(data.AsSpan(46));
            }

            return Base58.EncodeCheck(data);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }
}
