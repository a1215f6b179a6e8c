using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Granary.Hub.Tracker;

/// <summary>Reading request bodies within §1.2's limit and writing the tracker's JSON answers.</summary>
internal static class TrackerJson
{
    public const string ContentType = "application/json";

    public static JsonWriterOptions WriterOptions { get; } = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    /// <summary>A body read whole: a parsed document, or the status and error to answer with.</summary>
    internal sealed class Body(JsonDocument? document, byte[]? buffer, int length, int status, string? error) : IDisposable
    {
        public JsonDocument? Document => document;

        public int Status => status;

        public string? Error => error;

        /// <summary>The body's bytes as they arrived (federation signatures cover them).</summary>
        public ReadOnlySpan<byte> Bytes => buffer.AsSpan(0, length);

        public void Dispose()
        {
            document?.Dispose();
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Reads at most <paramref name="limit"/> bytes: a larger Content-Length is refused before
    /// reading, a chunked body as soon as it passes the limit. The body need not be labelled
    /// application/json (§1: MAY); it must parse as JSON that is not null.
    /// </summary>
    public static async Task<Body> ReadAsync(HttpContext context, long limit, bool parse = true)
    {
        if (context.Request.ContentLength is { } declared && declared > limit)
        {
            return new Body(null, null, 0, 413, TrackerText.TooLarge);
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(context.Request.ContentLength ?? 4096, limit) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return new Body(null, null, 0, 413, TrackerText.TooLarge);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return new Body(null, null, 0, 413, TrackerText.TooLarge);
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return new Body(null, null, 0, 413, TrackerText.TooLarge);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        if (!parse)
        {
            return new Body(null, buffer, length, 200, null);
        }

        JsonDocument? document = null;
        try
        {
            document = length == 0 ? null : JsonDocument.Parse(buffer.AsMemory(0, length), DocumentOptions);
        }
        catch (JsonException)
        {
        }
        catch (ArgumentException)
        {
        }

        if (document is null || document.RootElement.ValueKind == JsonValueKind.Null)
        {
            document?.Dispose();
            return new Body(null, buffer, length, 400, TrackerText.NotJson);
        }

        return new Body(document, buffer, length, 200, null);
    }

    /// <summary>Parses bytes already in hand (a federation body, a snapshot) with the same limits.</summary>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var document = JsonDocument.Parse(bytes, DocumentOptions);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
        }
        catch (ArgumentException)
        {
        }

        return null;
    }

    /// <summary>Serializes an object body starting with <c>"success"</c>.</summary>
    public static byte[] Serialize(bool success, Action<Utf8JsonWriter>? rest = null, string? error = null)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("success", success);
            if (error is not null)
            {
                writer.WriteString("error", error);
            }

            rest?.Invoke(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
