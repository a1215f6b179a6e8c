using System.Globalization;
using System.Text;

namespace Granary.Hosting;

/// <summary>
/// Text a client sent, made safe to put in a log line: control characters (terminal escapes,
/// newlines that would forge log lines), bidirectional overrides and unpaired surrogates become
/// <c>\xNN</c> / <c>\u{NNNN}</c>, and the result is cut to a bounded length.
/// </summary>
public static class LogText
{
    public const int DefaultLimit = 500;

    public static string Escape(string? text, int limit = DefaultLimit)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var builder = new StringBuilder(Math.Min(text.Length, limit) + 16);
        for (var i = 0; i < text.Length && builder.Length < limit; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (c == '\\')
            {
                builder.Append(@"\\");
            }
            else if (c < 0x20 || c == 0x7f)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else if (NeedsEscape(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{{{(int)c:x4}}}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Length >= limit && builder.Length < text.Length ? builder.Append('…').ToString() : builder.ToString();
    }

    // C1 controls, bidirectional embeddings/overrides/isolates, line and paragraph separators, lone surrogates.
    private static bool NeedsEscape(char c) =>
        c is >= '\u0080' and <= '\u009f'
            or >= '\u202a' and <= '\u202e'
            or >= '\u2066' and <= '\u2069'
            or '\u2028' or '\u2029' or '\u200e' or '\u200f' or '\u061c'
        || char.IsSurrogate(c);
}
