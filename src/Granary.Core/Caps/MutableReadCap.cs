using Granary.Core.Formats;
using Granary.Core.Mutable;

namespace Granary.Core.Caps;

/// <summary>
/// <c>URI:SSK-RO:readkey:fingerprint</c> or <c>URI:MDMF-RO:readkey:fingerprint</c>: lets its holder find,
/// verify and decrypt every version of a mutable file, but not write one.
/// </summary>
public sealed class MutableReadCap : Cap
{
    public const string SdmfPrefix = "URI:SSK-RO:";
    public const string MdmfPrefix = "URI:MDMF-RO:";

    private readonly byte[] _readKey;
    private readonly byte[] _fingerprint;

    public MutableReadCap(MutableFormat format, ReadOnlySpan<byte> readKey, ReadOnlySpan<byte> fingerprint)
    {
        if (readKey.Length != MutableSecrets.KeySize || fingerprint.Length != MutableSecrets.HashSize)
        {
            throw new ArgumentException("A mutable read cap holds a 16-byte read key and a 32-byte fingerprint.");
        }

        Format = format;
        _readKey = readKey.ToArray();
        _fingerprint = fingerprint.ToArray();
        StorageIndex = MutableSecrets.StorageIndex(_readKey);
    }

    public MutableFormat Format { get; }

    public ReadOnlySpan<byte> ReadKey => _readKey;

    public ReadOnlySpan<byte> Fingerprint => _fingerprint;

    public StorageIndex StorageIndex { get; }

    /// <summary>The verify cap of the same file.</summary>
    public MutableVerifyCap VerifyCap => new(Format, StorageIndex, _fingerprint);

    public override bool TryGetStorageIndex(out StorageIndex storageIndex)
    {
        storageIndex = StorageIndex;
        return true;
    }

    public override string ToString() =>
        (Format == MutableFormat.Sdmf ? SdmfPrefix : MdmfPrefix) + Base32.Encode(_readKey) + ":" + Base32.Encode(_fingerprint);

    internal static MutableReadCap ParseFields(MutableFormat format, string fields)
    {
        var kind = format == MutableFormat.Sdmf ? "URI:SSK-RO" : "URI:MDMF-RO";
        var (key, fingerprint) = CapFields.ParseMutable(kind, fields, "read key", format == MutableFormat.Mdmf);
        return new MutableReadCap(format, key, fingerprint);
    }
}
