using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Granary.Core.Proofs;

/// <summary>
/// How the heartbeat objects are written: compact, keys in sorted order (Python's <c>sort_keys</c>,
/// so the bytes are canonical and golden-testable), Base64 left unescaped (<c>+</c> and <c>/</c>
/// as Python writes them).
/// </summary>
internal static class HeartbeatJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A JSON string decoded as Base64 the lenient way heartbeat did; false for anything else.</summary>
    public static bool TryBytes(JsonElement element, out byte[] bytes)
    {
        bytes = [];
        return element.ValueKind == JsonValueKind.String && Formats.LenientBase64.TryDecode(element.GetString()!, out bytes);
    }
}
