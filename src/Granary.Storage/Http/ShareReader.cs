using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Microsoft.Win32.SafeHandles;

namespace Granary.Storage.Http;

/// <summary>
/// Serves a share file, whole or one byte range, reading straight from the file into Kestrel's
/// response pipe in large chunks (no intermediate buffer, as a generic file result would use).
/// </summary>
internal static class ShareReader
{
    private const int Chunk = 256 * 1024;

    /// <summary>Serves the file at <paramref name="path"/> through a handle of its own (a mutable slot, which changes in place).</summary>
    public static async Task ServeFileAsync(HttpContext context, string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        await ServeAsync(context, handle).ConfigureAwait(false);
    }

    /// <summary>Serves an open file; the caller keeps the handle and closes it.</summary>
    public static async Task ServeAsync(HttpContext context, SafeFileHandle handle)
    {
        var response = context.Response;
        var length = RandomAccess.GetLength(handle);
        var (from, count) = (0L, length);
        var rangeText = context.Request.Headers.Range.ToString();
        if (rangeText.Length > 0)
        {
            if (!RangeHeaderValue.TryParse(rangeText, out var range) || range.Unit != "bytes" || range.Ranges.Count != 1)
            {
                throw new ProblemException(400, "a read takes one range: 'Range: bytes=FIRST-LAST'");
            }

            var item = range.Ranges.First();
            if (item.From is long start)
            {
                var end = Math.Min(item.To ?? length - 1, length - 1);
                (from, count) = (start, end - start + 1);
            }
            else if (item.To is long suffix)
            {
                (from, count) = (Math.Max(0, length - suffix), Math.Min(suffix, length));
            }

            if (from >= length || count <= 0)
            {
                throw new ProblemException(416, $"the share is {length} bytes; that range is outside it")
                {
                    ContentRange = $"bytes */{length.ToString(CultureInfo.InvariantCulture)}",
                };
            }

            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {from}-{from + count - 1}/{length}");
        }

        response.ContentType = "application/octet-stream";
        response.ContentLength = count;
        response.Headers.AcceptRanges = "bytes";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var writer = response.BodyWriter;
        while (count > 0)
        {
            var memory = writer.GetMemory((int)Math.Min(count, Chunk));
            var read = RandomAccess.Read(handle, memory.Span[..(int)Math.Min(memory.Length, count)], from);
            if (read == 0)
            {
                throw new IOException("the share file ended early");
            }

            writer.Advance(read);
            from += read;
            count -= read;
            var flushed = await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }
        }
    }
}
