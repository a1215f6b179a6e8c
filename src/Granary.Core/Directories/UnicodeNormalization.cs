using System.Text;

namespace Granary.Core.Directories;

/// <summary>
/// Unicode Normalization Form C, which Tahoe-LAFS applies to every directory entry name on the way
/// in and out. .NET's <see cref="string.Normalize()"/> does nothing when globalization is invariant
/// (as every Granary program runs), so the algorithm is here, with the Unicode data it needs in
/// <see cref="UnicodeNormalizationData"/>: full canonical decomposition (Hangul by formula), canonical
/// ordering of combining marks, then canonical composition (UAX #15).
/// </summary>
public static class UnicodeNormalization
{
    private const int HangulSyllableBase = 0xAC00;
    private const int HangulLeadBase = 0x1100;
    private const int HangulVowelBase = 0x1161;
    private const int HangulTrailBase = 0x11A7;
    private const int HangulLeadCount = 19;
    private const int HangulVowelCount = 21;
    private const int HangulTrailCount = 28;
    private const int HangulSyllableCount = HangulLeadCount * HangulVowelCount * HangulTrailCount;

    // Below U+0300 every character is a starter that nothing composes with, so such text is already NFC.
    private const char FirstCombiningCandidate = '\u0300';

    private static readonly Lazy<Tables> Data = new(Tables.Load);

    /// <summary>The Unicode version of the data (Python's <c>unicodedata</c> it was generated from).</summary>
    public static string UnicodeVersion => UnicodeNormalizationData.UnicodeVersion;

    /// <summary>
    /// <paramref name="text"/> in NFC. Throws <see cref="ArgumentException"/> for a lone surrogate,
    /// which no UTF-8 name can hold.
    /// </summary>
    public static string ToNfc(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.AsSpan().ContainsAnyInRange(FirstCombiningCandidate, char.MaxValue))
        {
            return text;
        }

        var tables = Data.Value;
        var decomposed = new List<int>(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            int code = text[i];
            if (char.IsSurrogate(text[i]))
            {
                if (!char.IsHighSurrogate(text[i]) || i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    throw new ArgumentException($"The text has a lone surrogate at position {i}.", nameof(text));
                }

                code = char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }

            Decompose(tables, code, decomposed);
        }

        SortMarks(tables, decomposed);
        Compose(tables, decomposed);
        var result = new StringBuilder(decomposed.Count);
        foreach (var code in decomposed)
        {
            result.Append(new Rune(code).ToString());
        }

        var normalized = result.ToString();
        return normalized == text ? text : normalized;
    }

    /// <summary>The canonical combining class of <paramref name="codePoint"/> (0 for starters).</summary>
    public static int CombiningClass(int codePoint) => Data.Value.CombiningClass(codePoint);

    private static void Decompose(Tables tables, int code, List<int> output)
    {
        var syllable = code - HangulSyllableBase;
        if (syllable is >= 0 and < HangulSyllableCount)
        {
            output.Add(HangulLeadBase + syllable / (HangulVowelCount * HangulTrailCount));
            output.Add(HangulVowelBase + syllable % (HangulVowelCount * HangulTrailCount) / HangulTrailCount);
            if (syllable % HangulTrailCount != 0)
            {
                output.Add(HangulTrailBase + syllable % HangulTrailCount);
            }

            return;
        }

        if (tables.Decompositions.TryGetValue(code, out var parts))
        {
            Decompose(tables, parts.First, output);
            if (parts.Second != 0)
            {
                Decompose(tables, parts.Second, output);
            }

            return;
        }

        output.Add(code);
    }

    // Canonical ordering: a stable sort of each run of combining marks by combining class.
    private static void SortMarks(Tables tables, List<int> codes)
    {
        for (var i = 1; i < codes.Count; i++)
        {
            var code = codes[i];
            var ccc = tables.CombiningClass(code);
            if (ccc == 0)
            {
                continue;
            }

            var j = i;
            while (j > 0 && tables.CombiningClass(codes[j - 1]) > ccc)
            {
                codes[j] = codes[j - 1];
                j--;
            }

            codes[j] = code;
        }
    }

    private static void Compose(Tables tables, List<int> codes)
    {
        if (codes.Count == 0)
        {
            return;
        }

        var starter = tables.CombiningClass(codes[0]) == 0 ? 0 : -1;

        // The class of the last character kept since the starter; 0 means it is the starter itself.
        var lastClass = starter == 0 ? 0 : 256;
        var written = 1;
        for (var i = 1; i < codes.Count; i++)
        {
            var code = codes[i];
            var ccc = tables.CombiningClass(code);
            if (starter >= 0 && (lastClass < ccc || lastClass == 0) && TryCompose(tables, codes[starter], code, out var composite))
            {
                codes[starter] = composite;
                continue;
            }

            if (ccc == 0)
            {
                starter = written;
            }

            lastClass = ccc;
            codes[written++] = code;
        }

        codes.RemoveRange(written, codes.Count - written);
    }

    private static bool TryCompose(Tables tables, int first, int second, out int composite)
    {
        var lead = first - HangulLeadBase;
        var vowel = second - HangulVowelBase;
        if (lead is >= 0 and < HangulLeadCount && vowel is >= 0 and < HangulVowelCount)
        {
            composite = HangulSyllableBase + (lead * HangulVowelCount + vowel) * HangulTrailCount;
            return true;
        }

        var syllable = first - HangulSyllableBase;
        var trail = second - HangulTrailBase;
        if (syllable is >= 0 and < HangulSyllableCount && syllable % HangulTrailCount == 0 && trail is > 0 and < HangulTrailCount)
        {
            composite = first + trail;
            return true;
        }

        return tables.Compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private sealed class Tables
    {
        private readonly int[] _classRanges;

        private Tables(int[] classRanges, Dictionary<int, (int First, int Second)> decompositions, Dictionary<long, int> compositions)
        {
            _classRanges = classRanges;
            Decompositions = decompositions;
            Compositions = compositions;
        }

        public Dictionary<int, (int First, int Second)> Decompositions { get; }

        public Dictionary<long, int> Compositions { get; }

        public static Tables Load()
        {
            var raw = UnicodeNormalizationData.Decompositions;
            var excluded = new HashSet<int>(UnicodeNormalizationData.CompositionExclusions.ToArray());
            var decompositions = new Dictionary<int, (int, int)>(raw.Length / 3);
            var compositions = new Dictionary<long, int>();
            for (var i = 0; i < raw.Length; i += 3)
            {
                decompositions[raw[i]] = (raw[i + 1], raw[i + 2]);
                if (raw[i + 2] != 0 && !excluded.Contains(raw[i]))
                {
                    compositions[((long)raw[i + 1] << 21) | (uint)raw[i + 2]] = raw[i];
                }
            }

            return new Tables(UnicodeNormalizationData.CombiningClasses.ToArray(), decompositions, compositions);
        }

        public int CombiningClass(int code)
        {
            // Binary search over (start, end, class) triples.
            int low = 0, high = _classRanges.Length / 3 - 1;
            while (low <= high)
            {
                var mid = (low + high) / 2;
                if (code < _classRanges[mid * 3])
                {
                    high = mid - 1;
                }
                else if (code > _classRanges[mid * 3 + 1])
                {
                    low = mid + 1;
                }
                else
                {
                    return _classRanges[mid * 3 + 2];
                }
            }

            return 0;
        }
    }
}
