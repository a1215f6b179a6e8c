using Granary.Core.Mutable;

namespace Granary.Core.Caps;

/// <summary>
/// A capability: a string that both names a file and grants some authority over it.
/// A read cap (<c>URI:CHK:</c>, <c>URI:LIT:</c>, <c>URI:SSK-RO:</c>, <c>URI:MDMF-RO:</c>) lets its holder
/// find, verify and decrypt the file; a write cap (<c>URI:SSK:</c>, <c>URI:MDMF:</c>) also lets it publish
/// new versions of a mutable file; a verify cap (<c>…-Verifier:</c>) lets its holder find and check
/// the shares but not read them. Directory caps (<c>URI:DIR2…</c>) wrap the cap of the file that holds
/// the directory.
/// Every cap has exactly one canonical spelling, which <see cref="ToString"/> returns.
/// </summary>
public abstract class Cap : IEquatable<Cap>
{
    // Every file-cap prefix ends in ':', so no prefix is the start of another.
    private static readonly (string Prefix, Func<string, Cap> Parse)[] FileParsers =
    [
        (ChkReadCap.Prefix, ChkReadCap.ParseFields),
        (ChkVerifyCap.Prefix, ChkVerifyCap.ParseFields),
        (LiteralCap.Prefix, LiteralCap.ParseFields),
        (MutableWriteCap.SdmfPrefix, fields => MutableWriteCap.ParseFields(MutableFormat.Sdmf, fields)),
        (MutableReadCap.SdmfPrefix, fields => MutableReadCap.ParseFields(MutableFormat.Sdmf, fields)),
        (MutableVerifyCap.SdmfPrefix, fields => MutableVerifyCap.ParseFields(MutableFormat.Sdmf, fields)),
        (MutableWriteCap.MdmfPrefix, fields => MutableWriteCap.ParseFields(MutableFormat.Mdmf, fields)),
        (MutableReadCap.MdmfPrefix, fields => MutableReadCap.ParseFields(MutableFormat.Mdmf, fields)),
        (MutableVerifyCap.MdmfPrefix, fields => MutableVerifyCap.ParseFields(MutableFormat.Mdmf, fields)),
    ];

    private protected Cap()
    {
    }

    /// <summary>Parses a cap, ignoring surrounding whitespace. Throws <see cref="CapFormatException"/> saying what is wrong.</summary>
    public static Cap Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new CapFormatException("The cap is empty.");
        }

        var directory = DirectoryCap.TryParsePrefixed(trimmed);
        if (directory is not null)
        {
            return directory;
        }

        foreach (var (prefix, parse) in FileParsers)
        {
            if (trimmed.StartsWith(prefix, StringComparison.Ordinal))
            {
                return parse(trimmed[prefix.Length..]);
            }
        }

        if (!trimmed.StartsWith("URI:", StringComparison.Ordinal))
        {
            throw new CapFormatException($"'{Abbreviate(trimmed)}' is not a cap: caps start with 'URI:'.");
        }

        var kind = trimmed.Split(':')[1];
        throw new CapFormatException(
            $"'URI:{Abbreviate(kind)}' caps are not supported; Granary reads URI:CHK, URI:LIT, URI:SSK, URI:MDMF and URI:DIR2 caps (with their -RO and -Verifier forms).");
    }

    public static bool TryParse(string text, out Cap? cap, out string error)
    {
        try
        {
            cap = Parse(text);
            error = "";
            return true;
        }
        catch (CapFormatException e)
        {
            cap = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// The storage index servers keep this cap's shares under; false for a literal cap (file or
    /// directory), whose data lives in the cap itself.
    /// </summary>
    public virtual bool TryGetStorageIndex(out StorageIndex storageIndex)
    {
        storageIndex = default;
        return false;
    }

    public abstract override string ToString();

    public bool Equals(Cap? other) => other is not null && other.GetType() == GetType() && other.ToString() == ToString();

    public override bool Equals(object? obj) => Equals(obj as Cap);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    internal static string Abbreviate(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
