namespace Granary.Core.Caps;

/// <summary>
/// A capability: a string that both names a file and grants some authority over it.
/// A read cap (<c>URI:CHK:</c>, <c>URI:LIT:</c>) lets its holder find, verify and decrypt the file;
/// a verify cap (<c>URI:CHK-Verifier:</c>) lets its holder find and check the shares but not read them.
/// Every cap has exactly one canonical spelling, which <see cref="ToString"/> returns.
/// </summary>
public abstract class Cap : IEquatable<Cap>
{
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

        if (trimmed.StartsWith(ChkReadCap.Prefix, StringComparison.Ordinal))
        {
            return ChkReadCap.ParseFields(trimmed[ChkReadCap.Prefix.Length..]);
        }

        if (trimmed.StartsWith(ChkVerifyCap.Prefix, StringComparison.Ordinal))
        {
            return ChkVerifyCap.ParseFields(trimmed[ChkVerifyCap.Prefix.Length..]);
        }

        if (trimmed.StartsWith(LiteralCap.Prefix, StringComparison.Ordinal))
        {
            return LiteralCap.ParseFields(trimmed[LiteralCap.Prefix.Length..]);
        }

        if (!trimmed.StartsWith("URI:", StringComparison.Ordinal))
        {
            throw new CapFormatException($"'{Abbreviate(trimmed)}' is not a cap: caps start with 'URI:'.");
        }

        var kind = trimmed.Split(':')[1];
        throw new CapFormatException(
            $"'URI:{Abbreviate(kind)}' caps are not supported; Granary reads URI:CHK, URI:CHK-Verifier and URI:LIT caps.");
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

    public abstract override string ToString();

    public bool Equals(Cap? other) => other is not null && other.GetType() == GetType() && other.ToString() == ToString();

    public override bool Equals(object? obj) => Equals(obj as Cap);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    internal static string Abbreviate(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
