using System.Security.Cryptography;
using System.Text;
using Granary.Core.Crypto;

namespace Granary.Core.Proofs;

/// <summary>
/// The seed README's design for prototype farmers, never shipped upstream (proofs-of-storage §4.3):
/// every farmer holds one genesis file G and makes its unique chunk by encrypting G with
/// file-encryptor under a secret from the node. The key is
/// <c>HMAC-SHA256(secret, hex(SHA256(G)))</c>; the chunk is G XOR the RandomIO-style keystream
/// (AES-256-CTR, counter from one) under that key. Encrypting twice gives G back.
/// </summary>
public static class GenesisChunk
{
    /// <summary>file-encryptor's passphrase when none is given.</summary>
    public const string DefaultSecret = "Something old, something new.";

    private const int CounterOneOffset = 16;

    public static byte[] Key(ReadOnlySpan<byte> genesis, string? secret)
    {
        var digest = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(genesis)));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret ?? DefaultSecret), digest);
    }

    /// <summary>Encrypts (or decrypts) <paramref name="data"/> in place under the genesis key.</summary>
    public static void Transform(ReadOnlySpan<byte> key, Span<byte> data)
    {
        using var aes = new AesCtr(key);
        aes.Transform(CounterOneOffset, data, data);
    }

    /// <summary>The chunk a farmer makes from <paramref name="genesis"/> and the node's secret.</summary>
    public static byte[] Create(ReadOnlySpan<byte> genesis, string? secret)
    {
        var chunk = genesis.ToArray();
        Transform(Key(genesis, secret), chunk);
        return chunk;
    }
}
