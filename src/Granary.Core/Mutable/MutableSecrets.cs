using Granary.Core.Caps;
using Granary.Core.Crypto;
using Granary.Core.Hashing;

namespace Granary.Core.Mutable;

/// <summary>
/// The one-way chain of secrets of a mutable file (mutable-dirnode §3.2–§3.4):
/// private key → write key → read key → storage index, public key → fingerprint, write key →
/// write-enabler master → one write enabler per server. Each step truncates before the next, and
/// nothing goes backwards, so each cap grants exactly its own authority.
/// </summary>
public static class MutableSecrets
{
    /// <summary>Bytes of a write key, read key, data key and salt.</summary>
    public const int KeySize = 16;

    /// <summary>Bytes of a fingerprint, write-enabler master and write enabler.</summary>
    public const int HashSize = Sha256d.HashSize;

    /// <summary>Bytes of a server's node id (its Foolscap tub id), which write enablers and lease secrets are bound to.</summary>
    public const int NodeIdSize = 20;

    public static byte[] WriteKey(ReadOnlySpan<byte> privateKeyDer) => Truncated(HashTag.MutableWriteKey, privateKeyDer);

    public static byte[] ReadKey(ReadOnlySpan<byte> writeKey) => Truncated(HashTag.MutableReadKey, RequireKey(writeKey));

    public static StorageIndex StorageIndex(ReadOnlySpan<byte> readKey) =>
        Caps.StorageIndex.FromBytes(Truncated(HashTag.MutableStorageIndex, RequireKey(readKey)));

    public static byte[] Fingerprint(ReadOnlySpan<byte> publicKeyDer) => HashTag.MutableFingerprint.Hash(publicKeyDer);

    public static byte[] WriteEnablerMaster(ReadOnlySpan<byte> writeKey) => HashTag.WriteEnablerMaster.Hash(RequireKey(writeKey));

    /// <summary>The write enabler a server with <paramref name="serverNodeId"/> demands for this file's shares.</summary>
    public static byte[] WriteEnabler(ReadOnlySpan<byte> writeEnablerMaster, ReadOnlySpan<byte> serverNodeId)
    {
        if (writeEnablerMaster.Length != HashSize)
        {
            throw new ArgumentException($"A write-enabler master is {HashSize} bytes.", nameof(writeEnablerMaster));
        }

        if (serverNodeId.Length != NodeIdSize)
        {
            throw new ArgumentException($"A server node id is {NodeIdSize} bytes (its binary tub id), not {serverNodeId.Length}.", nameof(serverNodeId));
        }

        return HashTag.WriteEnabler.HashPair(writeEnablerMaster, serverNodeId);
    }

    /// <summary>The AES key of one segment: <c>H2(DATAKEY, salt, readkey)[:16]</c> — salt first.</summary>
    public static void DataKey(ReadOnlySpan<byte> readKey, ReadOnlySpan<byte> salt, Span<byte> destination)
    {
        if (salt.Length != KeySize)
        {
            throw new ArgumentException($"A salt is {KeySize} bytes, not {salt.Length}.", nameof(salt));
        }

        Span<byte> hash = stackalloc byte[HashSize];
        HashTag.MutableDataKey.HashPair(salt, RequireKey(readKey), hash);
        hash[..KeySize].CopyTo(destination);
    }

    /// <summary>AES-128-CTR of the private key under the write key; the same call decrypts.</summary>
    public static byte[] CryptPrivateKey(ReadOnlySpan<byte> writeKey, ReadOnlySpan<byte> data)
    {
        var result = new byte[data.Length];
        using var aes = new AesCtr(RequireKey(writeKey));
        aes.Transform(0, data, result);
        return result;
    }

    private static byte[] Truncated(HashTag tag, ReadOnlySpan<byte> value)
    {
        Span<byte> hash = stackalloc byte[HashSize];
        tag.Hash(value, hash);
        return hash[..KeySize].ToArray();
    }

    private static ReadOnlySpan<byte> RequireKey(ReadOnlySpan<byte> key) =>
        key.Length == KeySize ? key : throw new ArgumentException($"A mutable file's keys are {KeySize} bytes, not {key.Length}.", nameof(key));
}
