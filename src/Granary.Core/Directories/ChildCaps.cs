using Granary.Core.Caps;

namespace Granary.Core.Directories;

/// <summary>What a directory makes of a cap string in one of an entry's slots.</summary>
internal enum ChildCapKind
{
    /// <summary>No prefix Tahoe knows: a future cap, kept as it is.</summary>
    Unknown,

    /// <summary>A known prefix with malformed fields: Tahoe drops the entry.</summary>
    Malformed,

    /// <summary>A cap Tahoe parses.</summary>
    Known,
}

/// <summary>
/// Tahoe's rules for caps in directory entries (mutable-dirnode §4.2, §16.5): the <c>ro.</c> and
/// <c>imm.</c> context prefixes, which caps are allowed in read-only and immutable contexts, and
/// what is stored in each slot.
/// </summary>
internal static class ChildCaps
{
    public const string ReadOnlyPrefix = "ro.";
    public const string ImmutablePrefix = "imm.";

    // Every prefix uri.from_string recognises.
    private static readonly string[] KnownPrefixes =
    [
        "URI:CHK:", "URI:CHK-Verifier:", "URI:LIT:",
        "URI:SSK:", "URI:SSK-RO:", "URI:SSK-Verifier:", "URI:MDMF:", "URI:MDMF-RO:", "URI:MDMF-Verifier:",
        "URI:DIR2:", "URI:DIR2-RO:", "URI:DIR2-Verifier:", "URI:DIR2-MDMF:", "URI:DIR2-MDMF-RO:", "URI:DIR2-MDMF-Verifier:",
        "URI:DIR2-CHK:", "URI:DIR2-CHK-Verifier:", "URI:DIR2-LIT:",
    ];

    public static ChildCapKind Classify(string text, out Cap? cap)
    {
        cap = null;
        var known = false;
        foreach (var prefix in KnownPrefixes)
        {
            known |= text.StartsWith(prefix, StringComparison.Ordinal);
        }

        if (!known)
        {
            return ChildCapKind.Unknown;
        }

        // Tahoe's parser takes the string exactly; surrounding whitespace makes it malformed.
        if (text.Trim() != text || !Cap.TryParse(text, out cap, out _))
        {
            cap = null;
            return ChildCapKind.Malformed;
        }

        return ChildCapKind.Known;
    }

    /// <summary>Whether a parsed cap grants write authority (so it may not appear in a read-only or immutable context).</summary>
    public static bool IsWriteCap(Cap cap) => cap is MutableWriteCap || cap is DirectoryCap { IsWritable: true };

    /// <summary>Whether a parsed cap names something mutable that a holder could read (not allowed in an immutable context).</summary>
    public static bool IsMutableReadOrWrite(Cap cap) =>
        cap is MutableWriteCap or MutableReadCap || cap is DirectoryCap { IsMutable: true, IsVerifier: false };

    /// <summary>Strips a context prefix, saying which constraints it imposes.</summary>
    public static string StripContext(string text, out bool mustBeReadOnly, out bool mustBeImmutable)
    {
        mustBeReadOnly = mustBeImmutable = false;
        if (text.StartsWith(ImmutablePrefix, StringComparison.Ordinal))
        {
            mustBeReadOnly = mustBeImmutable = true;
            return text[ImmutablePrefix.Length..];
        }

        if (text.StartsWith(ReadOnlyPrefix, StringComparison.Ordinal))
        {
            mustBeReadOnly = true;
            return text[ReadOnlyPrefix.Length..];
        }

        return text;
    }

    /// <summary>
    /// Whether Tahoe keeps an entry read with these slots (after trailing spaces were stripped):
    /// false for a cap its parser rejects, a cap that breaks its context, or an unknown write cap
    /// without a read cap.
    /// </summary>
    public static bool IsAcceptable(string? writeCap, string? readCap, bool mutableDirectory)
    {
        var big = writeCap ?? readCap;
        if (big is null)
        {
            return true;
        }

        var text = StripContext(big, out var mustBeReadOnly, out var mustBeImmutable);
        mustBeImmutable |= !mutableDirectory;
        mustBeReadOnly |= mustBeImmutable;
        switch (Classify(text, out var cap))
        {
            case ChildCapKind.Malformed:
                return false;
            case ChildCapKind.Known:
                return !(mustBeReadOnly && IsWriteCap(cap!)) && !(mustBeImmutable && IsMutableReadOrWrite(cap!));
            default:
                // An unknown cap alone in the write slot might grant write authority nobody can diminish.
                return !(writeCap is not null && readCap is null && big == text);
        }
    }

    /// <summary>
    /// The slots Tahoe stores for a child given as caps: a known cap's own write and read forms
    /// (a write cap's read cap derived, whatever read cap was given), an unknown one as given.
    /// Throws <see cref="ArgumentException"/> when Tahoe would refuse to link it.
    /// </summary>
    public static (string? WriteCap, string? ReadCap) SlotsFor(string? writeCap, string? readCap, string name)
    {
        writeCap = string.IsNullOrEmpty(writeCap) ? null : writeCap;
        readCap = string.IsNullOrEmpty(readCap) ? null : readCap;
        var big = writeCap ?? readCap;
        if (big is null)
        {
            return (null, null);
        }

        var text = StripContext(big, out var mustBeReadOnly, out var mustBeImmutable);
        switch (Classify(text, out var cap))
        {
            case ChildCapKind.Malformed:
                throw new ArgumentException($"The cap for '{name}' is malformed: {Cap.Abbreviate(text)}.", nameof(writeCap));
            case ChildCapKind.Known:
                if ((mustBeReadOnly && IsWriteCap(cap!)) || (mustBeImmutable && IsMutableReadOrWrite(cap!)))
                {
                    throw new ArgumentException($"The cap for '{name}' breaks its '{big[..(big.Length - text.Length)]}' context.", nameof(writeCap));
                }

                return SlotsFor(cap!);
            default:
                if (writeCap is not null && readCap is null && big == text)
                {
                    throw new ArgumentException($"'{name}': an unknown cap in the write slot needs a read cap beside it.", nameof(writeCap));
                }

                return (writeCap, readCap);
        }
    }

    public static (string? WriteCap, string? ReadCap) SlotsFor(Cap cap) => cap switch
    {
        MutableWriteCap write => (write.ToString(), write.ReadCap.ToString()),
        DirectoryCap { IsWritable: true } directory => (directory.ToString(), directory.ReadOnlyCap!.ToString()),
        _ => (null, cap.ToString()),
    };
}
