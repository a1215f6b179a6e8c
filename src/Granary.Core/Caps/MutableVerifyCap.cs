using Granary.Core.Formats;
using Granary.Core.Mutable;

namespace Granary.Core.Caps;

/// <summary>
/// <c>URI:SSK-Verifier:storage-index:fingerprint</c> or <c>URI:MDMF-Verifier:…</c>: enough to find a
/// mutable file's shares and check their signatures and hashes, not to decrypt them.
/// </summary>
public sealed class MutableVerifyCap : Cap
{
    public const string SdmfPrefix = "URI:SSK-Verifier:";
    public const string MdmfPrefix = "URI:MDMF-Verifier:";

    private readonly byte[] _fingerprint;

    public MutableVerifyCap(MutableFormat format, StorageIndex storageIndex, ReadOnlySpan<byte> fingerprint)
    {
        if (fingerprint.Length != MutableSecrets.HashSize)
        {
            throw new ArgumentException("A mutable verify cap holds a 32-byte fingerprint.", nameof(fingerprint));
        }

        Format = format;
        StorageIndex = storageIndex;
        _fingerprint = fingerprint.ToArray();
    }

    public MutableFormat Format { get; }

    public StorageIndex StorageIndex { get; }

    public ReadOnlySpan<byte> Fingerprint => _fingerprint;

    public override bool TryGetStorageIndex(out StorageIndex storageIndex)
    {
        storageIndex = StorageIndex;
        return true;
    }

    public override string ToString() =>
        (Format == MutableFormat.Sdmf ? SdmfPrefix : MdmfPrefix) + StorageIndex + ":" + Base32.Encode(_fingerprint);

    internal static MutableVerifyCap ParseFields(MutableFormat format, string fields)
    {
        var kind = format == MutableFormat.Sdmf ? "URI:SSK-Verifier" : "URI:MDMF-Verifier";
        var (index, fingerprint) = CapFields.ParseMutable(kind, fields, "storage index", format == MutableFormat.Mdmf);
        return new MutableVerifyCap(format, StorageIndex.FromBytes(index), fingerprint);
    }
}
