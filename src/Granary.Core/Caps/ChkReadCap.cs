using System.Globalization;
using Granary.Core.Formats;

namespace Granary.Core.Caps;

/// <summary>
/// <c>URI:CHK:key:ueb-hash:k:n:size</c>: the AES key of an immutable file and the hash of its URI
/// extension block, which together let the holder find, verify and decrypt every share.
/// </summary>
public sealed class ChkReadCap : Cap
{
    public const string Prefix = "URI:CHK:";

    private readonly byte[] _key;
    private readonly byte[] _uriExtensionHash;

    public ChkReadCap(ReadOnlySpan<byte> key, ReadOnlySpan<byte> uriExtensionHash, int k, int n, long size)
    {
        if (key.Length != 16 || uriExtensionHash.Length != 32)
        {
            throw new ArgumentException("A CHK read cap holds a 16-byte key and a 32-byte UEB hash.");
        }

        _key = key.ToArray();
        _uriExtensionHash = uriExtensionHash.ToArray();
        K = k;
        N = n;
        Size = size;
        StorageIndex = StorageIndex.FromImmutableKey(key);
    }

    public ReadOnlySpan<byte> Key => _key;

    public ReadOnlySpan<byte> UriExtensionHash => _uriExtensionHash;

    public int K { get; }

    public int N { get; }

    public long Size { get; }

    public StorageIndex StorageIndex { get; }

    /// <summary>The verify cap for the same file: derived from this cap alone.</summary>
    public ChkVerifyCap VerifyCap => new(StorageIndex, UriExtensionHash, K, N, Size);

    public override bool TryGetStorageIndex(out StorageIndex storageIndex)
    {
        storageIndex = StorageIndex;
        return true;
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"{Prefix}{Base32.Encode(_key)}:{Base32.Encode(_uriExtensionHash)}:{K}:{N}:{Size}");

    internal static ChkReadCap ParseFields(string fields)
    {
        var (key, ueb, k, n, size) = CapFields.ParseChk("URI:CHK", fields, "key", 16);
        return new ChkReadCap(key, ueb, k, n, size);
    }
}
