using System.Globalization;
using System.Text;
using System.Text.Json;
using Granary.Hub.Dataserv;

namespace Granary.Hub.Downstream;

/// <summary>A contract id as the farmer sent it: the value (null when it is an integer no contract can have) and its JSON to echo.</summary>
internal readonly record struct ContractId(long? Value, string Echo);

/// <summary>One item of <c>POST /answer</c>: the contract it names and the proof as sent.</summary>
internal sealed record ProofItem(ContractId Id, JsonElement Proof);

/// <summary>
/// The bodies of <c>POST /challenge</c> (<c>{"hashes": [id, …]}</c>) and <c>POST /answer</c>
/// (<c>{"proofs": [{"file_hash": id, "proof": P}, …]}</c>) read as the node read its stream
/// (proofs-of-storage §2.5, §2.6): items are taken in order until the first one whose id Python's
/// <c>int()</c> would refuse or the first JSON syntax error, which silently ends the list. The body
/// is never decompressed, whatever <c>Content-Encoding</c> says (the farmer labels plain JSON gzip).
/// </summary>
internal static class BulkRequest
{
    /// <summary>The largest body read: about 15,000 proofs, far more than a farmer's contracts per request.</summary>
    public const long MaxBodyBytes = 16 << 20;

    public static List<ContractId> Hashes(ReadOnlySpan<byte> body)
    {
        var ids = new List<ContractId>();
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!ToList(ref reader, "hashes"u8))
            {
                return ids;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                using var item = JsonDocument.ParseValue(ref reader);
                if (ToId(item.RootElement) is not { } id)
                {
                    break;
                }

                ids.Add(id);
            }
        }
        catch (JsonException)
        {
            // A syntax error ends the list; what came before it stands.
        }

        return ids;
    }

    public static List<ProofItem> Proofs(ReadOnlySpan<byte> body)
    {
        var proofs = new List<ProofItem>();
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!ToList(ref reader, "proofs"u8))
            {
                return proofs;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                using var item = JsonDocument.ParseValue(ref reader);
                var element = item.RootElement;
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("file_hash", out var fileHash) || ToId(fileHash) is not { } id)
                {
                    break;
                }

                var proof = element.TryGetProperty("proof", out var sent) ? sent.Clone() : default;
                proofs.Add(new ProofItem(id, proof));
            }
        }
        catch (JsonException)
        {
            // As above.
        }

        return proofs;
    }

    /// <summary>Python's <c>int()</c> of a JSON value: integers, floats (truncated), booleans and integer text; null for anything else.</summary>
    internal static ContractId? ToId(JsonElement item)
    {
        switch (item.ValueKind)
        {
            case JsonValueKind.Number when item.TryGetInt64(out var whole):
                return new ContractId(whole, whole.ToString(CultureInfo.InvariantCulture));
            case JsonValueKind.Number:
                var number = item.GetDouble();
                if (!double.IsFinite(number))
                {
                    return null;
                }

                var truncated = Math.Truncate(number);
                return new ContractId(Math.Abs(truncated) < 9e18 ? (long)truncated : null, Core.Directories.MetadataJson.FormatFloat(number));
            case JsonValueKind.True or JsonValueKind.False:
                var flag = item.ValueKind == JsonValueKind.True;
                return new ContractId(flag ? 1 : 0, flag ? "true" : "false");
            case JsonValueKind.String:
                var text = item.GetString()!;
                if (!TryPythonInt(text, out var value, out var fits))
                {
                    return null;
                }

                var echo = new StringBuilder();
                PythonJson.AppendString(echo, text);
                return new ContractId(fits ? value : null, echo.ToString());
            default:
                return null;
        }
    }

    // int("  -12 "): surrounding whitespace, a sign, decimal digits (underscores between them).
    private static bool TryPythonInt(string text, out long value, out bool fits)
    {
        value = 0;
        fits = true;
        var digits = text.Trim();
        var negative = digits.StartsWith('-');
        if (negative || digits.StartsWith('+'))
        {
            digits = digits[1..];
        }

        if (digits.Length == 0 || digits[0] == '_' || digits[^1] == '_' || digits.Contains("__", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (c == '_')
            {
                continue;
            }

            var digit = CharUnicodeInfo.GetDecimalDigitValue(c);
            if (digit < 0)
            {
                return false;
            }

            if (fits && value <= (long.MaxValue - digit) / 10)
            {
                value = (value * 10) + digit;
            }
            else
            {
                fits = false;
            }
        }

        value = negative ? -value : value;
        return true;
    }

    // Moves the reader to the first item of the named list in the top-level object; false when there is none.
    private static bool ToList(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals(name);
            if (!reader.Read())
            {
                return false;
            }

            if (wanted)
            {
                return reader.TokenType == JsonTokenType.StartArray;
            }

            reader.Skip();
        }

        return false;
    }
}
