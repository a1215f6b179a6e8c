using System.Security.Cryptography;
using Granary.Core.Crypto;
using Granary.Core.Hashing;

namespace Granary.Core.Directories;

/// <summary>
/// How a mutable directory hides its children's write caps from read-only holders
/// (mutable-dirnode §16.3): AES-CTR under a key derived from the directory's write key and a salt
/// that is itself derived from the cap — so the same cap under the same directory always encrypts
/// to the same 16 + len + 32 bytes — followed by Tahoe's own MAC, which no reader checks.
/// </summary>
public static class ChildCapCipher
{
    private const int SaltSize = 16;
    private const int MacSize = 32;

    /// <summary><c>salt || AES-CTR(key, rw) || tahoe_hmac(key, salt || ciphertext)</c>.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> writeKey, ReadOnlySpan<byte> writeCap)
    {
        var result = new byte[SaltSize + writeCap.Length + MacSize];
        Span<byte> hash = stackalloc byte[Sha256d.HashSize];
        HashTag.DirnodeChildSalt.Hash(writeCap, hash);
        hash[..SaltSize].CopyTo(result);
        Span<byte> key = stackalloc byte[SaltSize];
        KeyFor(writeKey, result.AsSpan(0, SaltSize), key);
        using (var aes = new AesCtr(key))
        {
            aes.Transform(0, writeCap, result.AsSpan(SaltSize, writeCap.Length));
        }

        TahoeHmac(key, result.AsSpan(0, SaltSize + writeCap.Length), result.AsSpan(SaltSize + writeCap.Length));
        return result;
    }

    /// <summary>
    /// The write cap back. The MAC is ignored, as Tahoe ignores it; data too short to hold salt and
    /// MAC decrypts to nothing, as Tahoe's slicing does.
    /// </summary>
    public static byte[] Decrypt(ReadOnlySpan<byte> writeKey, ReadOnlySpan<byte> encrypted)
    {
        var salt = encrypted[..Math.Min(SaltSize, encrypted.Length)];
        var ciphertext = encrypted.Length > SaltSize + MacSize ? encrypted[SaltSize..^MacSize] : default;
        Span<byte> key = stackalloc byte[SaltSize];
        KeyFor(writeKey, salt, key);
        var plain = new byte[ciphertext.Length];
        using var aes = new AesCtr(key);
        aes.Transform(0, ciphertext, plain);
        return plain;
    }

    /// <summary>
    /// Tahoe's MAC (§2.3): <c>SHA256((key ⊕ 0x5c) || SHA256((key ⊕ 0x36) || data))</c> with the key
    /// XORed as it is, not padded to the hash's block size, and single SHA-256. Not RFC 2104 HMAC.
    /// </summary>
    public static void TahoeHmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> pad = stackalloc byte[key.Length];
        for (var i = 0; i < key.Length; i++)
        {
            pad[i] = (byte)(key[i] ^ 0x36);
        }

        sha.AppendData(pad);
        sha.AppendData(data);
        Span<byte> inner = stackalloc byte[32];
        sha.GetHashAndReset(inner);
        for (var i = 0; i < key.Length; i++)
        {
            pad[i] = (byte)(key[i] ^ 0x5c);
        }

        sha.AppendData(pad);
        sha.AppendData(inner);
        sha.GetHashAndReset(destination);
    }

    private static void KeyFor(ReadOnlySpan<byte> writeKey, ReadOnlySpan<byte> salt, Span<byte> key)
    {
        Span<byte> hash = stackalloc byte[Sha256d.HashSize];
        HashTag.DirnodeChildCapKey.HashPair(salt, writeKey, hash);
        hash[..SaltSize].CopyTo(key);
    }
}
