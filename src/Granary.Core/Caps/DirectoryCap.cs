namespace Granary.Core.Caps;

/// <summary>
/// A directory's cap: the cap of the file that holds the directory's packed entries, with its
/// prefix changed (<c>URI:SSK</c> → <c>URI:DIR2</c>, <c>URI:MDMF</c> → <c>URI:DIR2-MDMF</c>,
/// <c>URI:CHK</c> → <c>URI:DIR2-CHK</c>, <c>URI:LIT</c> → <c>URI:DIR2-LIT</c>; mutable-dirnode §4.1).
/// A write cap's directory may be changed; a read cap's only listed; a verify cap's only checked.
/// </summary>
public sealed class DirectoryCap : Cap
{
    // File-cap prefix and the directory-cap prefix that replaces it.
    private static readonly (string File, string Directory)[] Prefixes =
    [
        (MutableWriteCap.SdmfPrefix, "URI:DIR2:"),
        (MutableReadCap.SdmfPrefix, "URI:DIR2-RO:"),
        (MutableVerifyCap.SdmfPrefix, "URI:DIR2-Verifier:"),
        (MutableWriteCap.MdmfPrefix, "URI:DIR2-MDMF:"),
        (MutableReadCap.MdmfPrefix, "URI:DIR2-MDMF-RO:"),
        (MutableVerifyCap.MdmfPrefix, "URI:DIR2-MDMF-Verifier:"),
        (ChkReadCap.Prefix, "URI:DIR2-CHK:"),
        (ChkVerifyCap.Prefix, "URI:DIR2-CHK-Verifier:"),
        (LiteralCap.Prefix, "URI:DIR2-LIT:"),
    ];

    /// <summary>Wraps the cap of a directory's backing file: any mutable cap, a CHK read or verify cap, or a literal cap.</summary>
    public DirectoryCap(Cap fileCap)
    {
        ArgumentNullException.ThrowIfNull(fileCap);
        if (fileCap is not (MutableWriteCap or MutableReadCap or MutableVerifyCap or ChkReadCap or ChkVerifyCap or LiteralCap))
        {
            throw new ArgumentException($"A directory is held in a mutable, CHK or literal file, not behind a {fileCap.GetType().Name}.", nameof(fileCap));
        }

        FileCap = fileCap;
    }

    /// <summary>The cap of the file holding the packed entries.</summary>
    public Cap FileCap { get; }

    /// <summary>Mutable directories live in mutable files; immutable ones in CHK or literal files.</summary>
    public bool IsMutable => FileCap is MutableWriteCap or MutableReadCap or MutableVerifyCap;

    /// <summary>Whether this cap may change the directory (it wraps a mutable write cap).</summary>
    public bool IsWritable => FileCap is MutableWriteCap;

    /// <summary>Whether this cap can only check the directory's shares, not list it.</summary>
    public bool IsVerifier => FileCap is MutableVerifyCap or ChkVerifyCap;

    /// <summary>The write key entries' write caps are encrypted under, when this cap has it.</summary>
    public ReadOnlySpan<byte> WriteKey => FileCap is MutableWriteCap write ? write.WriteKey : default;

    /// <summary>The read-only cap of the same directory (itself when it is already read-only); null for a verify cap.</summary>
    public DirectoryCap? ReadOnlyCap => FileCap switch
    {
        MutableWriteCap write => new DirectoryCap(write.ReadCap),
        MutableVerifyCap or ChkVerifyCap => null,
        _ => this,
    };

    /// <summary>The verify cap of the same directory; null for a literal directory, which has no shares.</summary>
    public DirectoryCap? VerifyCap => FileCap switch
    {
        MutableWriteCap write => new DirectoryCap(write.VerifyCap),
        MutableReadCap read => new DirectoryCap(read.VerifyCap),
        ChkReadCap chk => new DirectoryCap(chk.VerifyCap),
        LiteralCap => null,
        _ => this,
    };

    public override bool TryGetStorageIndex(out StorageIndex storageIndex) => FileCap.TryGetStorageIndex(out storageIndex);

    public override string ToString()
    {
        var file = FileCap.ToString();
        foreach (var (filePrefix, directoryPrefix) in Prefixes)
        {
            if (file.StartsWith(filePrefix, StringComparison.Ordinal))
            {
                return directoryPrefix + file[filePrefix.Length..];
            }
        }

        throw new InvalidOperationException($"No directory prefix for '{Abbreviate(file)}'.");
    }

    /// <summary>Parses a <c>URI:DIR2…</c> cap; returns null when <paramref name="text"/> does not start with a directory prefix.</summary>
    internal static DirectoryCap? TryParsePrefixed(string text)
    {
        foreach (var (filePrefix, directoryPrefix) in Prefixes)
        {
            if (text.StartsWith(directoryPrefix, StringComparison.Ordinal))
            {
                try
                {
                    return new DirectoryCap(Parse(filePrefix + text[directoryPrefix.Length..]));
                }
                catch (CapFormatException e)
                {
                    throw new CapFormatException($"The {directoryPrefix.TrimEnd(':')} cap wraps a {filePrefix.TrimEnd(':')} cap, which is malformed: {e.Message}", e);
                }
            }
        }

        return null;
    }
}
