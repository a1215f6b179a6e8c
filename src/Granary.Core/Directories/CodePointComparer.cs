namespace Granary.Core.Directories;

/// <summary>
/// Orders strings by Unicode code point, as Python sorts <c>str</c> (and as UTF-8 bytes sort).
/// <see cref="string.CompareOrdinal(string, string)"/> compares UTF-16 code units instead, which puts
/// astral characters (surrogate pairs, 0xD800…) before U+E000…U+FFFF — a different directory order.
/// </summary>
public sealed class CodePointComparer : IComparer<string>
{
    public static CodePointComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a == b)
            {
                continue;
            }

            // Surrogates (astral characters) rank above every other UTF-16 unit in code point order.
            var aSurrogate = char.IsSurrogate(a);
            var bSurrogate = char.IsSurrogate(b);
            if (aSurrogate != bSurrogate)
            {
                return aSurrogate ? 1 : -1;
            }

            return a < b ? -1 : 1;
        }

        return x.Length.CompareTo(y.Length);
    }
}
