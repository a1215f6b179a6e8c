using System.Security.Cryptography;
using Granary.Core.Formats;

namespace Granary.Core.Hashing;

/// <summary>
/// A tag that domain-separates SHA-256d hashes: <c>H(tag, x) = sha256d(ns(tag) || x)</c> and
/// <c>H2(tag, a, b) = sha256d(ns(tag) || ns(a) || ns(b))</c>. The netstring-wrapped tag is
/// computed once, so hashing with a well-known tag allocates nothing.
/// </summary>
public sealed class HashTag
{
    public static readonly HashTag ConvergentKeyPrefix = new("allmydata_immutable_content_to_key_with_added_secret_v1+"u8);
    public static readonly HashTag StorageIndex = new("allmydata_immutable_key_to_storage_index_v1"u8);
    public static readonly HashTag Block = new("allmydata_encoded_subshare_v1"u8);
    public static readonly HashTag CrypttextSegment = new("allmydata_crypttext_segment_v1"u8);
    public static readonly HashTag Crypttext = new("allmydata_crypttext_v1"u8);
    public static readonly HashTag UriExtension = new("allmydata_uri_extension_v1"u8);
    public static readonly HashTag MerkleEmptyLeaf = new("Merkle tree empty leaf"u8);
    public static readonly HashTag MerkleInternalNode = new("Merkle tree internal node"u8);
    public static readonly HashTag FileRenewal = new("allmydata_file_renewal_secret_v1"u8);
    public static readonly HashTag FileCancel = new("allmydata_file_cancel_secret_v1"u8);
    public static readonly HashTag BucketRenewal = new("allmydata_bucket_renewal_secret_v1"u8);
    public static readonly HashTag BucketCancel = new("allmydata_bucket_cancel_secret_v1"u8);

    // Mutable files and directories (mutable-dirnode §2.1).
    public static readonly HashTag MutableWriteKey = new("allmydata_mutable_privkey_to_writekey_v1"u8);
    public static readonly HashTag MutableReadKey = new("allmydata_mutable_writekey_to_readkey_v1"u8);
    public static readonly HashTag MutableStorageIndex = new("allmydata_mutable_readkey_to_storage_index_v1"u8);
    public static readonly HashTag MutableFingerprint = new("allmydata_mutable_pubkey_to_fingerprint_v1"u8);
    public static readonly HashTag MutableDataKey = new("allmydata_mutable_readkey_to_datakey_v1"u8);
    public static readonly HashTag WriteEnablerMaster = new("allmydata_mutable_writekey_to_write_enabler_master_v1"u8);
    public static readonly HashTag WriteEnabler = new("allmydata_mutable_write_enabler_master_and_nodeid_to_write_enabler_v1"u8);
    public static readonly HashTag DirnodeChildSalt = new("allmydata_dirnode_child_rwcap_to_salt_v1"u8);
    public static readonly HashTag DirnodeChildCapKey = new("allmydata_mutable_writekey_and_salt_to_dirnode_child_capkey_v1"u8);
    public static readonly HashTag MutableContainerHeader = new("allmydata_mutable_container_header"u8);

    // One reusable SHA-256 state per thread keeps block hashing free of allocations.
    [ThreadStatic]
    private static IncrementalHash? _threadSha;

    private readonly byte[] _prefix;

    public HashTag(ReadOnlySpan<byte> tag)
    {
        Value = tag.ToArray();
        _prefix = Netstring.Encode(tag);
    }

    /// <summary>The raw tag bytes.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary><c>ns(tag)</c>, the bytes every hash under this tag starts with.</summary>
    public ReadOnlySpan<byte> Prefix => _prefix;

    /// <summary><c>H(tag, value)</c> into <paramref name="destination"/> (32 bytes).</summary>
    public void Hash(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        Span<byte> inner = stackalloc byte[Sha256d.HashSize];
        var sha = _threadSha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(_prefix);
        sha.AppendData(value);
        sha.GetHashAndReset(inner);
        SHA256.HashData(inner, destination);
    }

    public byte[] Hash(ReadOnlySpan<byte> value)
    {
        var result = new byte[Sha256d.HashSize];
        Hash(value, result);
        return result;
    }

    /// <summary><c>H2(tag, a, b)</c> into <paramref name="destination"/> (32 bytes).</summary>
    public void HashPair(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        var length = _prefix.Length + Netstring.GetEncodedLength(a.Length) + Netstring.GetEncodedLength(b.Length);
        var rented = length <= 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        var buffer = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        _prefix.CopyTo(buffer);
        var written = _prefix.Length;
        written += Netstring.Write(a, buffer[written..]);
        Netstring.Write(b, buffer[written..]);
        Sha256d.Hash(buffer, destination);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public byte[] HashPair(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var result = new byte[Sha256d.HashSize];
        HashPair(a, b, result);
        return result;
    }

    /// <summary>An incremental <c>H(tag, …)</c> for values too large to hold at once.</summary>
    public TaggedHasher CreateHasher() => new(_prefix);
}
