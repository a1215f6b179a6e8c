using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Granary.Testing.Vectors;

/// <summary>A YAML scalar as written: its text after unquoting, and whether it was quoted (so "1" stays a string).</summary>
public sealed record YamlScalar(string Text, bool Quoted)
{
    public override string ToString() => Text;
}

/// <summary>
/// Just enough YAML for the project's vector files (what PyYAML's <c>safe_dump</c> writes): block
/// mappings and sequences by indentation, plain scalars folded over several lines, single- and
/// double-quoted scalars (multi-line, with YAML's line folding and escapes), empty flow
/// collections <c>{}</c> / <c>[]</c>, anchors and aliases, and comments on their own lines. Maps come
/// back as <see cref="OrderedDictionary{TKey, TValue}"/>, sequences as lists, scalars as
/// <see cref="YamlScalar"/>. Anything else is an error, not a guess.
/// </summary>
public sealed partial class MiniYaml
{
    private readonly List<string> _lines;
    private readonly Dictionary<string, object?> _anchors = [];
    private int _next;

    private MiniYaml(string text) => _lines = [.. text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')];

    public static object? Parse(string text)
    {
        var parser = new MiniYaml(text);
        if (!parser.SkipToContent())
        {
            return null;
        }

        var node = parser.ParseBlock(parser.Indent(parser._next));
        if (parser.SkipToContent())
        {
            throw parser.Error("unexpected content after the document");
        }

        return node;
    }

    [GeneratedRegex(@"^(?<key>[A-Za-z_][A-Za-z0-9_\-]*):(?: +(?<rest>.*))?$")]
    private static partial Regex KeyLine();

    private object? ParseBlock(int indent)
    {
        var text = _lines[_next][indent..];
        return text == "-" || text.StartsWith("- ", StringComparison.Ordinal) ? ParseSequence(indent) : ParseMapping(indent);
    }

    private List<object?> ParseSequence(int indent)
    {
        var list = new List<object?>();
        while (SkipToContent() && Indent(_next) == indent && IsDash(_lines[_next][indent..]))
        {
            var line = _lines[_next];
            var rest = line[(indent + 1)..].TrimStart(' ');
            if (rest.Length == 0)
            {
                _next++;
                list.Add(ParseNested(indent));
                continue;
            }

            var column = line.Length - rest.Length;
            if (KeyLine().IsMatch(rest) || IsDash(rest))
            {
                // "- key: value" opens a mapping (or "- - x" a sequence) whose column is where the key starts.
                _lines[_next] = new string(' ', column) + rest;
                list.Add(ParseBlock(column));
            }
            else
            {
                list.Add(ParseValue(rest, indent));
            }
        }

        return list;
    }

    private OrderedDictionary<string, object?> ParseMapping(int indent)
    {
        var map = new OrderedDictionary<string, object?>();
        while (SkipToContent() && Indent(_next) == indent && !IsDash(_lines[_next][indent..]))
        {
            var match = KeyLine().Match(_lines[_next][indent..]);
            if (!match.Success)
            {
                throw Error("expected 'key: value'");
            }

            var key = match.Groups["key"].Value;
            if (!map.TryAdd(key, ParseValue(match.Groups["rest"].Value, indent)))
            {
                throw Error($"duplicate key '{key}'");
            }
        }

        return map;
    }

    // Parses the value that starts with `rest` on the current line, which belongs to a node at `indent`.
    private object? ParseValue(string rest, int indent)
    {
        string? anchor = null;
        if (rest.StartsWith('&'))
        {
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            anchor = space < 0 ? rest[1..] : rest[1..space];
            rest = space < 0 ? "" : rest[(space + 1)..].TrimStart(' ');
        }

        object? value;
        if (rest.StartsWith('*'))
        {
            _next++;
            value = _anchors.TryGetValue(rest[1..].TrimEnd(), out var aliased) ? aliased : throw Error($"unknown alias {rest}");
        }
        else if (rest.Length == 0)
        {
            _next++;
            value = ParseNested(indent);
        }
        else if (rest == "{}")
        {
            _next++;
            value = new OrderedDictionary<string, object?>();
        }
        else if (rest == "[]")
        {
            _next++;
            value = new List<object?>();
        }
        else if (rest[0] is '{' or '[')
        {
            throw Error("non-empty flow collections are not supported");
        }
        else if (rest[0] is '\'' or '"')
        {
            value = new YamlScalar(ReadQuoted(rest), Quoted: true);
        }
        else
        {
            value = new YamlScalar(ReadPlain(rest, indent), Quoted: false);
        }

        if (anchor is not null)
        {
            _anchors[anchor] = value;
        }

        return value;
    }

    // A value on the lines after its key: a deeper block, a sequence at the key's own indent, or nothing.
    private object? ParseNested(int indent)
    {
        if (!SkipToContent())
        {
            return null;
        }

        var next = Indent(_next);
        if (next > indent)
        {
            return ParseBlock(next);
        }

        return next == indent && IsDash(_lines[_next][indent..]) ? ParseSequence(indent) : null;
    }

    private string ReadPlain(string rest, int indent)
    {
        var text = new StringBuilder(rest.TrimEnd());
        _next++;
        while (_next < _lines.Count && _lines[_next].Trim().Length > 0 && Indent(_next) > indent && !_lines[_next].TrimStart().StartsWith('#'))
        {
            text.Append(' ').Append(_lines[_next].Trim());
            _next++;
        }

        return text.ToString();
    }

    private string ReadQuoted(string rest)
    {
        var quote = rest[0];
        var result = new StringBuilder();
        var line = rest[1..];
        var first = true;
        var blankLines = 0;
        while (true)
        {
            if (!first)
            {
                line = line.Trim(' ', '\t');
            }

            var (content, closed, after) = quote == '\'' ? ScanSingle(line) : ScanDouble(line);
            if (!first)
            {
                if (content.Length == 0 && !closed)
                {
                    blankLines++;
                    NextLine();
                    line = _lines[_next];
                    continue;
                }

                result.Append(blankLines == 0 ? " " : new string('\n', blankLines));
                blankLines = 0;
            }

            result.Append(closed ? content : content.TrimEnd(' ', '\t'));
            if (closed)
            {
                if (after.Trim().Length > 0)
                {
                    throw Error("text after a closing quote");
                }

                _next++;
                return result.ToString();
            }

            first = false;
            NextLine();
            line = _lines[_next];
        }
    }

    private static (string Content, bool Closed, string After) ScanSingle(string line)
    {
        var content = new StringBuilder();
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] != '\'')
            {
                content.Append(line[i]);
            }
            else if (i + 1 < line.Length && line[i + 1] == '\'')
            {
                content.Append('\'');
                i++;
            }
            else
            {
                return (content.ToString(), true, line[(i + 1)..]);
            }
        }

        return (content.ToString(), false, "");
    }

    private (string Content, bool Closed, string After) ScanDouble(string line)
    {
        var content = new StringBuilder();
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                return (content.ToString(), true, line[(i + 1)..]);
            }

            if (c != '\\')
            {
                content.Append(c);
                continue;
            }

            if (++i >= line.Length)
            {
                throw Error("escaped line breaks are not supported");
            }

            switch (line[i])
            {
                case 'x':
                    content.Append((char)Hex(line, ref i, 2));
                    break;
                case 'u':
                    content.Append((char)Hex(line, ref i, 4));
                    break;
                case 'U':
                    content.Append(char.ConvertFromUtf32(Hex(line, ref i, 8)));
                    break;
                default:
                    content.Append(line[i] switch
                    {
                        '0' => '\0',
                        'a' => '\a',
                        'b' => '\b',
                        't' => '\t',
                        'n' => '\n',
                        'v' => '\v',
                        'f' => '\f',
                        'r' => '\r',
                        'e' => '\u001b',
                        ' ' => ' ',
                        '"' => '"',
                        '/' => '/',
                        '\\' => '\\',
                        'N' => '\u0085',
                        '_' => '\u00a0',
                        _ => throw Error($"unknown escape \\{line[i]}"),
                    });
                    break;
            }
        }

        return (content.ToString(), false, "");
    }

    private static int Hex(string line, ref int i, int digits)
    {
        var value = int.Parse(line.AsSpan(i + 1, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        i += digits;
        return value;
    }

    private void NextLine()
    {
        if (++_next >= _lines.Count)
        {
            throw Error("unterminated quoted scalar");
        }
    }

    private bool SkipToContent()
    {
        while (_next < _lines.Count && (_lines[_next].Trim().Length == 0 || _lines[_next].TrimStart().StartsWith('#')))
        {
            _next++;
        }

        return _next < _lines.Count;
    }

    private int Indent(int line) => _lines[line].Length - _lines[line].TrimStart(' ').Length;

    private static bool IsDash(string text) => text == "-" || text.StartsWith("- ", StringComparison.Ordinal);

    private FormatException Error(string message) => new($"YAML line {_next + 1}: {message}.");
}
