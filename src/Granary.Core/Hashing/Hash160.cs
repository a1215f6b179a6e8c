using System.Security.Cryptography;

namespace Granary.Core.Hashing;

/// <summary>Bitcoin's hash160: RIPEMD-160 of SHA-256. Addresses and node ids are the hash160 of a public key.</summary>
public static class Hash160
{
    public const int HashSize = Ripemd160.HashSize;

    public static byte[] Of(ReadOnlySpan<byte> data) => Ripemd160.Hash(SHA256.HashData(data));
}
