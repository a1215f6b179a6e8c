using System.Security.Cryptography;
using Granary.Core.Formats;

namespace Granary.Core.Identity;

/// <summary>
/// A secp256k1 secret key, with the WIF flag that says whether its address uses the compressed
/// public key. Every operation with the secret goes through libsecp256k1; the secret is zeroed on
/// <see cref="Dispose"/> and never appears in <see cref="ToString"/>.
/// </summary>
public sealed class PrivateKey : IDisposable
{
    private readonly byte[] _secret;

    private PrivateKey(byte[] secret, bool compressed, BitcoinNetwork network)
    {
        _secret = secret;
        Compressed = compressed;
        Network = network;
        PublicKey = PublicKey.FromTrusted(Secp256k1.PublicKeyOf(secret, compressed));
    }

    /// <summary>Whether the address of this key is that of its compressed public key (true for every modern key).</summary>
    public bool Compressed { get; }

    public BitcoinNetwork Network { get; }

    /// <summary>The public key, in the encoding <see cref="Compressed"/> says.</summary>
    public PublicKey PublicKey { get; }

    public BitcoinAddress Address => PublicKey.Address(Network);

    public NodeId NodeId => PublicKey.NodeId;

    internal ReadOnlySpan<byte> Secret => _secret;

    public static PrivateKey Generate(BitcoinNetwork network = BitcoinNetwork.Mainnet)
    {
        var secret = new byte[Secp256k1.SecretKeySize];
        do
        {
            RandomNumberGenerator.Fill(secret);
        }
        while (!Secp256k1.IsValidSecretKey(secret));

        return new PrivateKey(secret, compressed: true, network);
    }

    public static PrivateKey FromSecret(ReadOnlySpan<byte> secret, bool compressed = true, BitcoinNetwork network = BitcoinNetwork.Mainnet)
    {
        if (!Secp256k1.IsValidSecretKey(secret))
        {
            throw new FormatException("A secret key is 32 bytes, not zero and below the curve order.");
        }

        return new PrivateKey(secret.ToArray(), compressed, network);
    }

    /// <summary>Parses a WIF key (mainnet 5…/K…/L…, testnet 9…/c…), or says which check failed.</summary>
    public static bool TryParseWif(string wif, out PrivateKey? key, out string error)
    {
        key = null;
        if (!Base58.TryDecodeCheck(wif.Trim(), out var payload, out error))
        {
            error = $"not a WIF key: {error}";
            return false;
        }

        try
        {
            BitcoinNetwork network;
            if (payload.Length > 0 && payload[0] == NetworkVersions.Wif(BitcoinNetwork.Mainnet))
            {
                network = BitcoinNetwork.Mainnet;
            }
            else if (payload.Length > 0 && payload[0] == NetworkVersions.Wif(BitcoinNetwork.Testnet))
            {
                network = BitcoinNetwork.Testnet;
            }
            else
            {
                error = payload.Length == 0 ? "not a WIF key: it is empty" : $"not a WIF key: version byte 0x{payload[0]:x2} is neither 0x80 (mainnet) nor 0xef (testnet)";
                return false;
            }

            var compressed = payload.Length == 34 && payload[33] == 0x01;
            if (payload.Length != 33 && !compressed)
            {
                error = $"not a WIF key: it holds {payload.Length} bytes; WIF is 33, or 34 ending in 0x01 for a compressed key";
                return false;
            }

            var secret = payload.AsSpan(1, 32);
            if (!Secp256k1.IsValidSecretKey(secret))
            {
                error = "not a WIF key: the secret is zero or not below the curve order";
                return false;
            }

            key = new PrivateKey(secret.ToArray(), compressed, network);
            error = "";
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
    }

    public static PrivateKey ParseWif(string wif) =>
        TryParseWif(wif, out var key, out var error) ? key! : throw new FormatException(char.ToUpperInvariant(error[0]) + error[1..] + ".");

    public string ToWif()
    {
        var payload = new byte[Compressed ? 34 : 33];
        try
        {
            payload[0] = NetworkVersions.Wif(Network);
            _secret.CopyTo(payload, 1);
            if (Compressed)
            {
                payload[33] = 0x01;
            }

            return Base58.EncodeCheck(payload);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
    }

    /// <summary>
    /// A recoverable signature of a 32-byte digest in 65 bytes: the recovery id (0–3), then r and s.
    /// <see cref="PublicKey.Recover"/> gives back this key's compressed public key from it.
    /// </summary>
    public byte[] SignDigest(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != 32)
        {
            throw new ArgumentException("A digest to sign is 32 bytes.", nameof(digest));
        }

        var (compact, recoveryId) = Secp256k1.SignRecoverable(_secret, digest);
        var signature = new byte[1 + compact.Length];
        signature[0] = (byte)recoveryId;
        compact.CopyTo(signature, 1);
        return signature;
    }

    /// <summary>Signs a message as bitcoind's <c>signmessage</c> does; returns the base64 signature.</summary>
    public string SignMessage(string message) => BitcoinMessage.Sign(this, message);

    /// <summary>Deliberately says nothing secret.</summary>
    public override string ToString() => $"PrivateKey({Address})";

    public void Dispose() => CryptographicOperations.ZeroMemory(_secret);
}
