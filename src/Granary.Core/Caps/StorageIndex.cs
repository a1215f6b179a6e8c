using Granary.Core.Formats;
using Granary.Core.Hashing;

namespace Granary.Core.Caps;

/// <summary>
/// The 16-byte name under which servers keep a file's shares. For an immutable file it is
/// <c>H("allmydata_immutable_key_to_storage_index_v1", key)[0:16]</c>: servers learn where a file
/// lives without learning its key. Written as 26 base32 characters.
/// </summary>
public readonly struct StorageIndex : IEquatable<StorageIndex>
{
    public const int Size = 16;
    public const int EncodedLength = 26;

    private readonly byte[]? _bytes;

    private StorageIndex(byte[] bytes) => _bytes = bytes;

    public ReadOnlySpan<byte> Bytes => _bytes ?? new byte[Size];

    public static StorageIndex FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A storage index is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        return new StorageIndex(bytes.ToArray());
    }

    public static StorageIndex FromImmutableKey(ReadOnlySpan<byte> key) => new(HashTag.StorageIndex.Hash(key)[..Size]);

    /// <summary>Parses 26 lower-case base32 characters, or says why they are not a storage index.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out StorageIndex index, out string error)
    {
        index = default;
        if (text.Length != EncodedLength)
        {
            error = $"a storage index is {EncodedLength} base32 characters, not {text.Length}";
            return false;
        }

        if (!Base32.TryDecode(text, out var bytes, out error))
        {
            return false;
        }

        index = new StorageIndex(bytes);
        return true;
    }

    public static StorageIndex Parse(string text) =>
        TryParse(text, out var index, out var error) ? index : throw new FormatException($"Invalid storage index: {error}.");

    public override string ToString() => Base32.Encode(Bytes);

    public bool Equals(StorageIndex other) => Bytes.SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => obj is StorageIndex other && Equals(other);

    public override int GetHashCode() => BitConverter.ToInt32(Bytes);

    public static bool operator ==(StorageIndex left, StorageIndex right) => left.Equals(right);

    public static bool operator !=(StorageIndex left, StorageIndex right) => !left.Equals(right);
}
