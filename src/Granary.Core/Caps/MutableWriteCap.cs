using Granary.Core.Formats;
using Granary.Core.Mutable;

namespace Granary.Core.Caps;

/// <summary>
/// <c>URI:SSK:writekey:fingerprint</c> (SDMF) or <c>URI:MDMF:writekey:fingerprint</c>: full authority
/// over a mutable file. The write key decrypts the file's private key from any share, and yields
/// the read key, the storage index and the write enablers.
/// </summary>
public sealed class MutableWriteCap : Cap
{
    public const string SdmfPrefix = "URI:SSK:";
    public const string MdmfPrefix = "URI:MDMF:";

    private readonly byte[] _writeKey;
    private readonly byte[] _fingerprint;
    private readonly byte[] _writeEnablerMaster;

    public MutableWriteCap(MutableFormat format, ReadOnlySpan<byte> writeKey, ReadOnlySpan<byte> fingerprint)
    {
        if (writeKey.Length != MutableSecrets.KeySize || fingerprint.Length != MutableSecrets.HashSize)
        {
            throw new ArgumentException("A mutable write cap holds a 16-byte write key and a 32-byte fingerprint.");
        }

        Format = format;
        _writeKey = writeKey.ToArray();
        _fingerprint = fingerprint.ToArray();
        _writeEnablerMaster = MutableSecrets.WriteEnablerMaster(_writeKey);
        ReadCap = new MutableReadCap(format, MutableSecrets.ReadKey(_writeKey), _fingerprint);
    }

    public MutableFormat Format { get; }

    public ReadOnlySpan<byte> WriteKey => _writeKey;

    public ReadOnlySpan<byte> Fingerprint => _fingerprint;

    /// <summary>The read cap of the same file.</summary>
    public MutableReadCap ReadCap { get; }

    /// <summary>The verify cap of the same file.</summary>
    public MutableVerifyCap VerifyCap => ReadCap.VerifyCap;

    public ReadOnlySpan<byte> ReadKey => ReadCap.ReadKey;

    public StorageIndex StorageIndex => ReadCap.StorageIndex;

    /// <summary><c>H(WE_MASTER, writekey)</c>, from which each server's write enabler is derived.</summary>
    public ReadOnlySpan<byte> WriteEnablerMaster => _writeEnablerMaster;

    /// <summary>The write cap of the file whose key is <paramref name="key"/>.</summary>
    public static MutableWriteCap FromKey(SigningKey key, MutableFormat format)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new MutableWriteCap(format, MutableSecrets.WriteKey(key.PrivateKeyDer), key.VerifyingKey.Fingerprint);
    }

    /// <summary>The 32-byte write enabler that the server with this 20-byte node id demands (§3.4).</summary>
    public byte[] WriteEnabler(ReadOnlySpan<byte> serverNodeId) => MutableSecrets.WriteEnabler(_writeEnablerMaster, serverNodeId);

    /// <summary>Whether <paramref name="key"/> is this file's private key (its PKCS#8 bytes hash to the write key).</summary>
    public bool Matches(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return MutableSecrets.WriteKey(key.PrivateKeyDer).AsSpan().SequenceEqual(_writeKey)
            && key.VerifyingKey.Fingerprint.SequenceEqual(_fingerprint);
    }

    public override bool TryGetStorageIndex(out StorageIndex storageIndex)
    {
        storageIndex = StorageIndex;
        return true;
    }

    public override string ToString() =>
        (Format == MutableFormat.Sdmf ? SdmfPrefix : MdmfPrefix) + Base32.Encode(_writeKey) + ":" + Base32.Encode(_fingerprint);

    internal static MutableWriteCap ParseFields(MutableFormat format, string fields)
    {
        var kind = format == MutableFormat.Sdmf ? "URI:SSK" : "URI:MDMF";
        var (key, fingerprint) = CapFields.ParseMutable(kind, fields, "write key", format == MutableFormat.Mdmf);
        return new MutableWriteCap(format, key, fingerprint);
    }
}
