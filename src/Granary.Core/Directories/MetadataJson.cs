using System.Collections.ObjectModel;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Granary.Core.Directories;

/// <summary>
/// JSON exactly as Python's <c>json.dumps</c> writes it with default settings (mutable-dirnode
/// §16.4), and a parser that accepts what <c>json.loads</c> accepts. The bytes matter: readers see
/// them verbatim and an immutable directory's cap hashes them. So: <c>", "</c> and <c>": "</c>
/// separators, keys in insertion order, every character outside printable ASCII escaped as
/// <c>\uXXXX</c> with lower-case hex (astral characters as surrogate pairs, DEL too), floats as
/// Python's <c>repr</c> (shortest round-trip digits, always a <c>.</c> or an exponent).
/// </summary>
public static class MetadataJson
{
    // Python's recursion limit stops json.loads long before this; a bound keeps hostile input harmless.
    private const int MaxDepth = 500;

    public static string Serialize(MetadataObject metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var text = new StringBuilder();
        Write(text, metadata);
        return text.ToString();
    }

    /// <summary>Parses a JSON object; throws <see cref="FormatException"/> for anything else.</summary>
    public static MetadataObject Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new Reader(json);
        reader.SkipSpace();
        var value = reader.ReadValue(0);
        reader.SkipSpace();
        if (!reader.AtEnd)
        {
            throw reader.Error("extra data after the JSON value");
        }

        return value as MetadataObject ?? throw new FormatException("Directory entry metadata must be a JSON object.");
    }

    /// <summary>Python's <c>repr(float)</c>.</summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // .NET's "R" gives the shortest digits that round-trip, as Python's repr does; only the layout differs.
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest[0] == '-';
        var body = negative ? shortest[1..] : shortest;
        var exponentAt = body.IndexOf('E', StringComparison.Ordinal);
        var exponent = exponentAt < 0 ? 0 : int.Parse(body.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? body : body[..exponentAt];
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? mantissa : mantissa[..point] + mantissa[(point + 1)..];
        var integerDigits = point < 0 ? mantissa.Length : point;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');

        // The value is 0.DIGITS × 10^decimalPoint.
        var decimalPoint = integerDigits - leadingZeros + exponent;
        var result = new StringBuilder(negative ? "-" : "");
        if (decimalPoint is > -4 and <= 16)
        {
            if (decimalPoint <= 0)
            {
                result.Append("0.").Append('0', -decimalPoint).Append(digits);
            }
            else if (decimalPoint >= digits.Length)
            {
                result.Append(digits).Append('0', decimalPoint - digits.Length).Append(".0");
            }
            else
            {
                result.Append(digits, 0, decimalPoint).Append('.').Append(digits, decimalPoint, digits.Length - decimalPoint);
            }
        }
        else
        {
            result.Append(digits[0]);
            if (digits.Length > 1)
            {
                result.Append('.').Append(digits, 1, digits.Length - 1);
            }

            var e = decimalPoint - 1;
            result.Append(e < 0 ? "e-" : "e+").Append(Math.Abs(e).ToString("00", CultureInfo.InvariantCulture));
        }

        return result.ToString();
    }

    /// <summary>Python truthiness of a metadata value (for keys like <c>no-write</c>).</summary>
    public static bool IsTruthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        BigInteger big => !big.IsZero,
        double d => d != 0,
        string s => s.Length > 0,
        MetadataObject o => o.Count > 0,
        IReadOnlyCollection<object?> list => list.Count > 0,
        _ => true,
    };

    private static void Write(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                break;
            case bool b:
                text.Append(b ? "true" : "false");
                break;
            case long l:
                text.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case BigInteger big:
                text.Append(big.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                text.Append(FormatFloat(d));
                break;
            case string s:
                WriteString(text, s);
                break;
            case MetadataObject o:
                text.Append('{');
                var first = true;
                foreach (var (key, item) in o)
                {
                    text.Append(first ? "" : ", ");
                    first = false;
                    WriteString(text, key);
                    text.Append(": ");
                    Write(text, item);
                }

                text.Append('}');
                break;
            case IReadOnlyList<object?> list:
                text.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    text.Append(i == 0 ? "" : ", ");
                    Write(text, list[i]);
                }

                text.Append(']');
                break;
            default:
                throw new ArgumentException($"A {value.GetType().Name} is not a metadata value.", nameof(value));
        }
    }

    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                default:
                    if (c is >= ' ' and <= '~')
                    {
                        text.Append(c);
                    }
                    else
                    {
                        // UTF-16 code units, so astral characters come out as Python's surrogate pairs.
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }

                    break;
            }
        }

        text.Append('"');
    }

    private sealed class Reader(string text)
    {
        private int _at;

        public bool AtEnd => _at >= text.Length;

        public void SkipSpace()
        {
            while (_at < text.Length && text[_at] is ' ' or '\t' or '\n' or '\r')
            {
                _at++;
            }
        }

        public object? ReadValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error("nested too deeply");
            }

            if (AtEnd)
            {
                throw Error("expected a value");
            }

            switch (text[_at])
            {
                case '{':
                    return ReadObject(depth);
                case '[':
                    return ReadArray(depth);
                case '"':
                    return ReadString();
                default:
                    if (TryWord("true"))
                    {
                        return true;
                    }

                    if (TryWord("false"))
                    {
                        return false;
                    }

                    if (TryWord("null"))
                    {
                        return null;
                    }

                    if (TryWord("NaN"))
                    {
                        return double.NaN;
                    }

                    if (TryWord("Infinity"))
                    {
                        return double.PositiveInfinity;
                    }

                    if (TryWord("-Infinity"))
                    {
                        return double.NegativeInfinity;
                    }

                    return ReadNumber();
            }
        }

        public FormatException Error(string message) => new($"Invalid metadata JSON at character {_at}: {message}.");

        private MetadataObject ReadObject(int depth)
        {
            _at++;
            var entries = new List<KeyValuePair<string, object?>>();
            SkipSpace();
            if (Peek('}'))
            {
                _at++;
                return new MetadataObject(entries);
            }

            while (true)
            {
                SkipSpace();
                if (!Peek('"'))
                {
                    throw Error("expected a string key");
                }

                var key = ReadString();
                SkipSpace();
                Expect(':');
                SkipSpace();
                entries.Add(new(key, ReadValue(depth + 1)));
                SkipSpace();
                if (Peek(','))
                {
                    _at++;
                    continue;
                }

                Expect('}');
                return new MetadataObject(entries);
            }
        }

        private ReadOnlyCollection<object?> ReadArray(int depth)
        {
            _at++;
            var items = new List<object?>();
            SkipSpace();
            if (Peek(']'))
            {
                _at++;
                return items.AsReadOnly();
            }

            while (true)
            {
                SkipSpace();
                items.Add(ReadValue(depth + 1));
                SkipSpace();
                if (Peek(','))
                {
                    _at++;
                    continue;
                }

                Expect(']');
                return items.AsReadOnly();
            }
        }

        private string ReadString()
        {
            _at++;
            var result = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw Error("unterminated string");
                }

                var c = text[_at++];
                if (c == '"')
                {
                    return result.ToString();
                }

                if (c < ' ')
                {
                    throw Error("control character in a string");
                }

                if (c != '\\')
                {
                    result.Append(c);
                    continue;
                }

                if (AtEnd)
                {
                    throw Error("unterminated escape");
                }

                var escape = text[_at++];
                result.Append(escape switch
                {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\b',
                    'f' => '\f',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => ReadHex4(),
                    _ => throw Error($"invalid escape \\{escape}"),
                });
            }
        }

        private char ReadHex4()
        {
            if (_at + 4 > text.Length || !ushort.TryParse(text.AsSpan(_at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                throw Error("invalid \\u escape");
            }

            _at += 4;
            return (char)code;
        }

        private object ReadNumber()
        {
            var start = _at;
            if (Peek('-'))
            {
                _at++;
            }

            var integerStart = _at;
            while (!AtEnd && char.IsAsciiDigit(text[_at]))
            {
                _at++;
            }

            var integerDigits = _at - integerStart;
            if (integerDigits == 0 || (integerDigits > 1 && text[integerStart] == '0'))
            {
                throw Error("invalid number");
            }

            var isFloat = false;
            if (Peek('.') && _at + 1 < text.Length && char.IsAsciiDigit(text[_at + 1]))
            {
                isFloat = true;
                _at++;
                while (!AtEnd && char.IsAsciiDigit(text[_at]))
                {
                    _at++;
                }
            }

            if (!AtEnd && text[_at] is 'e' or 'E')
            {
                var mark = _at;
                _at++;
                if (!AtEnd && text[_at] is '+' or '-')
                {
                    _at++;
                }

                var exponentStart = _at;
                while (!AtEnd && char.IsAsciiDigit(text[_at]))
                {
                    _at++;
                }

                if (_at == exponentStart)
                {
                    // Python stops the number before a bare 'e', which then fails as extra data.
                    _at = mark;
                }
                else
                {
                    isFloat = true;
                }
            }

            var number = text.AsSpan(start, _at - start);
            if (isFloat)
            {
                return double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            if (long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var small))
            {
                return small;
            }

            return BigInteger.Parse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        private bool TryWord(string word)
        {
            if (string.CompareOrdinal(text, _at, word, 0, word.Length) != 0)
            {
                return false;
            }

            _at += word.Length;
            return true;
        }

        private bool Peek(char c) => _at < text.Length && text[_at] == c;

        private void Expect(char c)
        {
            if (!Peek(c))
            {
                throw Error($"expected '{c}'");
            }

            _at++;
        }
    }
}
