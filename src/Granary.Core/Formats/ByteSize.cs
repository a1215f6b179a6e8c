using System.Globalization;

namespace Granary.Core.Formats;

/// <summary>
/// Byte counts as people write them: <c>1048576</c>, <c>1MiB</c>, <c>1M</c> (binary, like <c>1MiB</c>),
/// <c>1MB</c> (decimal, a million bytes). Suffixes are case-insensitive.
/// </summary>
public static class ByteSize
{
    private static readonly (string Suffix, long Multiplier)[] Suffixes =
    [
        ("tib", 1L << 40), ("gib", 1L << 30), ("mib", 1L << 20), ("kib", 1L << 10),
        ("tb", 1_000_000_000_000), ("gb", 1_000_000_000), ("mb", 1_000_000), ("kb", 1_000),
        ("t", 1L << 40), ("g", 1L << 30), ("m", 1L << 20), ("k", 1L << 10), ("b", 1),
    ];

    public static bool TryParse(string text, out long bytes, out string error)
    {
        bytes = 0;
        var trimmed = text.Trim().ToLowerInvariant();
        long multiplier = 1;
        foreach (var (suffix, value) in Suffixes)
        {
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                multiplier = value;
                trimmed = trimmed[..^suffix.Length].TrimEnd();
                break;
            }
        }

        if (!decimal.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            error = $"'{text}' is not a size (examples: 1048576, 64KiB, 1MiB, 10GB)";
            return false;
        }

        var total = number * multiplier;
        if (total > long.MaxValue || total != decimal.Truncate(total))
        {
            error = $"'{text}' is not a whole number of bytes that fits in 63 bits";
            return false;
        }

        bytes = (long)total;
        error = "";
        return true;
    }

    /// <summary>A short human form: <c>1.5 GiB</c>, <c>300 B</c>.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]}");
    }
}
