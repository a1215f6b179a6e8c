using System.Globalization;
using System.Text;
using Granary.Core.Directories;
using Granary.Core.Proofs;
using Granary.Hub.Dataserv;

namespace Granary.Hub.Downstream;

/// <summary>
/// JSON as the downstream node's streaming encoder wrote it (proofs-of-storage §2.1): separators
/// <c>", "</c> and <c>": "</c>, keys in the order written, no indentation, non-ASCII escaped. The
/// heartbeat objects keep heartbeat's own key order (§3.1.5, §3.1.6).
/// </summary>
internal sealed class NodeJson
{
    private readonly StringBuilder _text = new();
    private bool _first = true;

    public int Length => _text.Length;

    public NodeJson Open()
    {
        Separate();
        _text.Append('{');
        _first = true;
        return this;
    }

    public NodeJson Close()
    {
        _text.Append('}');
        _first = false;
        return this;
    }

    public NodeJson Key(string name)
    {
        Separate();
        PythonJson.AppendString(_text, name);
        _text.Append(": ");
        _first = true;
        return this;
    }

    public NodeJson String(string name, string value)
    {
        Key(name);
        PythonJson.AppendString(_text, value);
        _first = false;
        return this;
    }

    public NodeJson Number(string name, long value)
    {
        Key(name);
        _text.Append(value.ToString(CultureInfo.InvariantCulture));
        _first = false;
        return this;
    }

    /// <summary>A float as Python's <c>repr</c> writes it.</summary>
    public NodeJson Float(string name, double value)
    {
        Key(name);
        _text.Append(MetadataJson.FormatFloat(value));
        _first = false;
        return this;
    }

    public NodeJson Bool(string name, bool value)
    {
        Key(name);
        _text.Append(value ? "true" : "false");
        _first = false;
        return this;
    }

    /// <summary>A member whose value is already JSON text (an id echoed as the farmer sent it).</summary>
    public NodeJson Raw(string name, string json)
    {
        Key(name);
        _text.Append(json);
        _first = false;
        return this;
    }

    /// <summary><c>{"seed": b64, "index": k}</c>.</summary>
    public NodeJson Challenge(string name, MerkleChallenge challenge)
    {
        Key(name).Open();
        String("seed", Convert.ToBase64String(challenge.Seed)).Number("index", challenge.Index);
        return Close();
    }

    /// <summary><c>{"tree": {"nodes": […], "order": d, "leaves": []}, "chunksz": c, "filesz": f}</c>.</summary>
    public NodeJson Tag(string name, MerkleTag tag)
    {
        Key(name).Open().Key("tree").Open().Key("nodes");
        _text.Append('[');
        for (var i = 0; i < tag.Nodes.Count; i++)
        {
            _text.Append(i == 0 ? "\"" : ", \"").Append(Convert.ToBase64String(tag.Nodes[i])).Append('"');
        }

        _text.Append(']');
        _first = false;
        Number("order", tag.Order).Key("leaves");
        _text.Append("[]");
        _first = false;
        Close();
        return Number("chunksz", tag.ChunkSize).Number("filesz", tag.FileSize).Close();
    }

    /// <summary>Takes the text written so far, leaving the writer empty but still inside its list.</summary>
    public string Take()
    {
        var text = _text.ToString();
        _text.Clear();
        return text;
    }

    private void Separate()
    {
        if (!_first)
        {
            _text.Append(", ");
        }
    }
}
