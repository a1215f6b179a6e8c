using System.Globalization;
using System.Text;

namespace Granary.Hub.Dataserv;

/// <summary>A JSON value as dataserv built it: an object, a list, a string, an integer or a float.</summary>
internal abstract record PyValue
{
    public static implicit operator PyValue(string value) => new PyString(value);

    public static implicit operator PyValue(long value) => new PyInt(value);
}

internal sealed record PyString(string Value) : PyValue;

internal sealed record PyInt(long Value) : PyValue;

/// <summary>A float already rounded to a decimal (dataserv's <c>round(x, 2)</c>), printed as Python's <c>repr</c> does.</summary>
internal sealed record PyFloat(decimal Value) : PyValue;

internal sealed record PyBool(bool Value) : PyValue;

internal sealed record PyNull : PyValue
{
    public static PyNull Value { get; } = new();
}

internal sealed record PyList(IReadOnlyList<PyValue> Items) : PyValue;

internal sealed record PyObject(IReadOnlyDictionary<string, PyValue> Members) : PyValue;

/// <summary>
/// Python's <c>json.dumps(value, sort_keys=True)</c> — compact with <c>", "</c> and <c>": "</c> —
/// and with <c>indent=2</c>, which Flask 0.10's <c>jsonify</c> used (spec §3): keys sorted, non-ASCII
/// escaped, no trailing newline.
/// </summary>
internal static class PythonJson
{
    public static string Dumps(PyValue value, bool indent)
    {
        var text = new StringBuilder();
        Write(text, value, indent ? 0 : -1);
        return text.ToString();
    }

    /// <summary>Python's <c>repr</c> of a float that holds a short decimal: <c>0.0</c>, <c>1.22</c>, <c>24.41</c>.</summary>
    public static string FloatRepr(decimal value)
    {
        var text = value.ToString("0.############################", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
    }

    // depth -1: compact; otherwise the current indentation level.
    private static void Write(StringBuilder text, PyValue value, int depth)
    {
        switch (value)
        {
            case PyString s:
                AppendString(text, s.Value);
                break;
            case PyInt i:
                text.Append(i.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case PyFloat f:
                text.Append(FloatRepr(f.Value));
                break;
            case PyBool b:
                text.Append(b.Value ? "true" : "false");
                break;
            case PyNull:
                text.Append("null");
                break;
            case PyList list:
                WriteContainer(text, '[', ']', list.Items.Count, depth, (i, inner) => Write(text, list.Items[i], inner));
                break;
            case PyObject obj:
                var keys = obj.Members.Keys.Order(StringComparer.Ordinal).ToArray();
                WriteContainer(text, '{', '}', keys.Length, depth, (i, inner) =>
                {
                    AppendString(text, keys[i]);
                    text.Append(": ");
                    Write(text, obj.Members[keys[i]], inner);
                });
                break;
            default:
                throw new ArgumentException($"Not a JSON value: {value.GetType().Name}.", nameof(value));
        }
    }

    private static void WriteContainer(StringBuilder text, char open, char close, int count, int depth, Action<int, int> item)
    {
        text.Append(open);
        if (count == 0)
        {
            text.Append(close);
            return;
        }

        var inner = depth < 0 ? -1 : depth + 1;
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                text.Append(depth < 0 ? ", " : ",");
            }

            if (depth >= 0)
            {
                text.Append('\n').Append(' ', inner * 2);
            }

            item(i, inner);
        }

        if (depth >= 0)
        {
            text.Append('\n').Append(' ', depth * 2);
        }

        text.Append(close);
    }

    /// <summary>A JSON string as Python's <c>json.dumps</c> writes it (ensure_ascii).</summary>
    internal static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case < ' ' or > '\u007f':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        text.Append('"');
    }
}
