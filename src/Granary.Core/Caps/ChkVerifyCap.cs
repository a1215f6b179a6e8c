using System.Globalization;
using Granary.Core.Formats;

namespace Granary.Core.Caps;

/// <summary>
/// <c>URI:CHK-Verifier:storage-index:ueb-hash:k:n:size</c>: enough to find an immutable file's
/// shares and check them, not to decrypt them. What a repairer or an auditor holds.
/// </summary>
public sealed class ChkVerifyCap : Cap
{
    public const string Prefix = "URI:CHK-Verifier:";

    private readonly byte[] _uriExtensionHash;

    public ChkVerifyCap(StorageIndex storageIndex, ReadOnlySpan<byte> uriExtensionHash, int k, int n, long size)
    {
        if (uriExtensionHash.Length != 32)
        {
            throw new ArgumentException("A CHK verify cap holds a 32-byte UEB hash.", nameof(uriExtensionHash));
        }

        StorageIndex = storageIndex;
        _uriExtensionHash = uriExtensionHash.ToArray();
        K = k;
        N = n;
        Size = size;
    }

    public StorageIndex StorageIndex { get; }

    public ReadOnlySpan<byte> UriExtensionHash => _uriExtensionHash;

    public int K { get; }

    public int N { get; }

    public long Size { get; }

    public override bool TryGetStorageIndex(out StorageIndex storageIndex)
    {
        storageIndex = StorageIndex;
        return true;
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"{Prefix}{StorageIndex}:{Base32.Encode(_uriExtensionHash)}:{K}:{N}:{Size}");

    internal static ChkVerifyCap ParseFields(string fields)
    {
        var (index, ueb, k, n, size) = CapFields.ParseChk("URI:CHK-Verifier", fields, "storage index", 16);
        return new ChkVerifyCap(StorageIndex.FromBytes(index), ueb, k, n, size);
    }
}
