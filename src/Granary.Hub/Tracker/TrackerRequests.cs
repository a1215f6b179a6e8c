using System.Text;
using System.Text.Json;

namespace Granary.Hub.Tracker;

/// <summary>One chunk of a file as the tracker stores it.</summary>
internal sealed record ChunkSpec(int Id, string Name, string Hash);

/// <summary>A validated <c>add_file</c> body; <see cref="Chunks"/> sorted by id.</summary>
internal sealed record AddFileRequest(string Name, string FullHash, IReadOnlyList<ChunkSpec> Chunks, string? Guid, long Seq);

/// <summary>A validated <c>keep_alive</c> body.</summary>
internal sealed record KeepAliveRequest(string Guid, long KaSeq);

/// <summary>A validated <c>deregister_file</c> (by id) or <c>deregister_file_by_hash</c> body.</summary>
internal sealed record DeregisterRequest(long? FileId, string? FileHash, string Guid, long Seq);

/// <summary>
/// The bounds of §1.2, checked before anything is touched: a request either parses into one of the
/// records above or yields the reason it does not (always a 400).
/// </summary>
internal static class TrackerRequests
{
    public const int MaxNameBytes = 255;
    public const int MaxHashLength = 128;
    public const int MaxGuidLength = 64;
    public const int MaxChunks = 100_000;
    public const long MaxSeq = 9_007_199_254_740_991; // 2^53 - 1

    public static bool TryAddFile(JsonElement body, out AddFileRequest? request, out string error) => TryAddFile(body, out request, out error, requireSeq: true);

    /// <summary>An add_file body, or (without <paramref name="requireSeq"/>) a snapshot's file, which has no guid or seq.</summary>
    public static bool TryAddFile(JsonElement body, out AddFileRequest? request, out string error, bool requireSeq)
    {
        request = null;
        string? guid = null;
        long seq = 0;
        if (!RequireObject(body, out error)
            || !TryName(body, "name", out var name, out error)
            || !TryHash(body, "full_hash", out var fullHash, out error)
            || (requireSeq && (!TryOptionalGuid(body, out guid, out error) || !TrySeq(body, "seq_number", out seq, out error))))
        {
            return false;
        }

        if (!body.TryGetProperty("chunks", out var chunks) || chunks.ValueKind != JsonValueKind.Array)
        {
            error = TrackerText.Invalid("chunks must be an array");
            return false;
        }

        var count = chunks.GetArrayLength();
        if (count == 0)
        {
            error = TrackerText.NoChunks;
            return false;
        }

        if (count > MaxChunks)
        {
            error = TrackerText.Invalid($"at most {MaxChunks} chunks");
            return false;
        }

        var list = new ChunkSpec[count];
        var index = 0;
        foreach (var chunk in chunks.EnumerateArray())
        {
            if (!TryChunk(chunk, index, out var spec, out error))
            {
                return false;
            }

            list[index++] = spec!;
        }

        Array.Sort(list, (a, b) => a.Id.CompareTo(b.Id));
        for (var i = 1; i < list.Length; i++)
        {
            if (list[i].Id == list[i - 1].Id)
            {
                error = TrackerText.Invalid($"chunk id {list[i].Id} appears twice");
                return false;
            }
        }

        request = new AddFileRequest(name!, fullHash!, list, guid, seq);
        return true;
    }

    public static bool TryKeepAlive(JsonElement body, out KeepAliveRequest? request, out string error)
    {
        request = null;
        if (!RequireObject(body, out error) || !TryGuid(body, out var guid, out error) || !TrySeq(body, "ka_seq_number", out var seq, out error))
        {
            return false;
        }

        request = new KeepAliveRequest(guid!, seq);
        return true;
    }

    public static bool TryDeregisterById(JsonElement body, out DeregisterRequest? request, out string error)
    {
        request = null;
        if (!RequireObject(body, out error)
            || !TryInteger(body, "file_id", 1, MaxSeq, out var fileId, out error)
            || !TryGuid(body, out var guid, out error)
            || !TrySeq(body, "seq_number", out var seq, out error))
        {
            return false;
        }

        request = new DeregisterRequest(fileId, null, guid!, seq);
        return true;
    }

    public static bool TryDeregisterByHash(JsonElement body, out DeregisterRequest? request, out string error)
    {
        request = null;
        if (!RequireObject(body, out error)
            || !TryHash(body, "file_hash", out var hash, out error)
            || !TryGuid(body, out var guid, out error)
            || !TrySeq(body, "seq_number", out var seq, out error))
        {
            return false;
        }

        request = new DeregisterRequest(null, hash, guid!, seq);
        return true;
    }

    /// <summary>A file or chunk name that is safe to use as a file name: 1-255 UTF-8 bytes, no separators or controls, not . or ..</summary>
    public static bool IsSafeName(string name, out string problem)
    {
        problem = "";
        if (name.Length == 0)
        {
            problem = "is empty";
            return false;
        }

        if (name is "." or "..")
        {
            problem = "may not be . or ..";
            return false;
        }

        foreach (var c in name)
        {
            if (c is '/' or '\\' || c < 0x20 || c == 0x7f)
            {
                problem = "may not contain /, \\ or control characters";
                return false;
            }
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            problem = "is not valid Unicode";
            return false;
        }

        if (bytes > MaxNameBytes)
        {
            problem = $"is longer than {MaxNameBytes} UTF-8 bytes";
            return false;
        }

        return true;
    }

    public static bool IsValidHash(string hash)
    {
        if (hash.Length is 0 or > MaxHashLength)
        {
            return false;
        }

        foreach (var c in hash)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '=' or '+' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The guid as the tracker stores it (lower-case, hyphenated), or null when the text is no UUID (an unknown peer).</summary>
    public static string? NormalizeGuid(string guid) =>
        guid.Length <= MaxGuidLength && Guid.TryParse(guid, out var value) ? value.ToString("D") : null;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool RequireObject(JsonElement body, out string error)
    {
        error = body.ValueKind == JsonValueKind.Object ? "" : TrackerText.Invalid("the body must be a JSON object");
        return error.Length == 0;
    }

    private static bool TryChunk(JsonElement chunk, int index, out ChunkSpec? spec, out string error)
    {
        spec = null;
        if (chunk.ValueKind != JsonValueKind.Object)
        {
            error = TrackerText.Invalid($"chunks[{index}] must be an object");
            return false;
        }

        if (!TryInteger(chunk, "id", 0, int.MaxValue, out var id, out error, $"chunks[{index}].id")
            || !TryName(chunk, "name", out var name, out error, $"chunks[{index}].name"))
        {
            return false;
        }

        string? hash = null;
        foreach (var key in (ReadOnlySpan<string>)["hash", "chunk_hash"])
        {
            if (!chunk.TryGetProperty(key, out var value))
            {
                continue;
            }

            if (!TryString(value, out var text) || !IsValidHash(text))
            {
                error = TrackerText.Invalid($"chunks[{index}].{key} must be 1-{MaxHashLength} characters of A-Z a-z 0-9 _ = + -");
                return false;
            }

            if (hash is not null && !string.Equals(hash, text, StringComparison.Ordinal))
            {
                error = TrackerText.Invalid($"chunks[{index}] has different hash and chunk_hash");
                return false;
            }

            hash = text;
        }

        if (hash is null)
        {
            error = TrackerText.Invalid($"chunks[{index}] needs a hash (or chunk_hash)");
            return false;
        }

        spec = new ChunkSpec((int)id, name!, hash);
        return true;
    }

    private static bool TryName(JsonElement body, string key, out string? name, out string error, string? label = null)
    {
        name = null;
        label ??= key;
        if (!body.TryGetProperty(key, out var value) || !TryString(value, out var text))
        {
            error = TrackerText.Invalid($"{label} must be a string");
            return false;
        }

        if (!IsSafeName(text, out var problem))
        {
            error = TrackerText.Invalid($"{label} {problem}");
            return false;
        }

        name = text;
        error = "";
        return true;
    }

    private static bool TryHash(JsonElement body, string key, out string? hash, out string error)
    {
        hash = null;
        if (!body.TryGetProperty(key, out var value) || !TryString(value, out var text) || !IsValidHash(text))
        {
            error = TrackerText.Invalid($"{key} must be 1-{MaxHashLength} characters of A-Z a-z 0-9 _ = + -");
            return false;
        }

        hash = text;
        error = "";
        return true;
    }

    private static bool TryGuid(JsonElement body, out string? guid, out string error)
    {
        guid = null;
        if (!body.TryGetProperty("guid", out var value) || !TryString(value, out var text) || text.Length > MaxGuidLength)
        {
            error = TrackerText.Invalid($"guid must be a string of at most {MaxGuidLength} characters");
            return false;
        }

        guid = text;
        error = "";
        return true;
    }

    private static bool TryOptionalGuid(JsonElement body, out string? guid, out string error)
    {
        guid = null;
        error = "";
        return !body.TryGetProperty("guid", out var value) || value.ValueKind == JsonValueKind.Null || TryGuid(body, out guid, out error);
    }

    private static bool TrySeq(JsonElement body, string key, out long seq, out string error) => TryInteger(body, key, 0, MaxSeq, out seq, out error);

    /// <summary>A JSON integer within bounds; a number with a zero fraction (3.0) counts, booleans and strings do not.</summary>
    public static bool TryInteger(JsonElement body, string key, long min, long max, out long number, out string error, string? label = null)
    {
        number = 0;
        label ??= key;
        error = TrackerText.Invalid($"{label} must be an integer from {min} to {max}");
        if (!body.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        if (value.TryGetInt64(out number))
        {
            return number >= min && number <= max;
        }

        if (value.TryGetDecimal(out var exact) && decimal.Truncate(exact) == exact && exact >= min && exact <= max)
        {
            number = (long)exact;
            return true;
        }

        return false;
    }

    /// <summary>A JSON string; false for other kinds and for text that is not valid Unicode (a lone surrogate escape).</summary>
    public static bool TryString(JsonElement value, out string text)
    {
        text = "";
        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
