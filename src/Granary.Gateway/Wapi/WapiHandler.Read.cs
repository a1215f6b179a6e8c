using System.Globalization;
using Granary.Client.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Granary.Gateway.Wapi;

internal sealed partial class WapiHandler
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private async Task GetAsync(HttpContext context, WapiArgs args, Target target)
    {
        var node = target.Node!;
        var t = args.T;
        var ct = context.RequestAborted;
        switch (node)
        {
            case DirectoryNode directory:
                switch (t)
                {
                    case "json":
                        var contents = await directory.ListAsync(ct).ConfigureAwait(false);
                        await TextAsync(context, 200, NodeJson.Text(NodeJson.Describe(directory, target.Entry, contents, null))).ConfigureAwait(false);
                        return;
                    case "uri":
                        await TextAsync(context, 200, directory.DirectoryCap.ToString()).ConfigureAwait(false);
                        return;
                    case "readonly-uri":
                        await TextAsync(context, 200, directory.DirectoryCap.ReadOnlyCap?.ToString() ?? "").ConfigureAwait(false);
                        return;
                    case "":
                        await pages.DirectoryAsync(context, directory, target.Path, await directory.ListAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
                        return;
                    case "info":
                        await pages.InfoAsync(context, directory, target.Path).ConfigureAwait(false);
                        return;
                    default:
                        throw WapiException.BadRequest($"GET directory: bad t={t}");
                }

            case VerifierNode verifier:
                if (t == "json")
                {
                    await TextAsync(context, 200, NodeJson.Text(NodeJson.Describe(verifier, target.Entry, null, null))).ConfigureAwait(false);
                    return;
                }

                if (t == "info")
                {
                    await pages.InfoAsync(context, verifier, target.Path).ConfigureAwait(false);
                    return;
                }

                throw WapiException.BadRequest($"GET unknown URI type: can only do t=info and t=json, not t={t}.\nUsing a webapi server that supports a later version of Tahoe may help.");

            case IFileNode file:
                switch (t)
                {
                    case "":
                        await DownloadAsync(context, args, target, file).ConfigureAwait(false);
                        return;
                    case "json":
                        long? size = node is MutableFileNode mutable ? await mutable.GetSizeAsync(ct).ConfigureAwait(false) : null;
                        await TextAsync(context, 200, NodeJson.Text(NodeJson.Describe(node, target.Entry, null, size))).ConfigureAwait(false);
                        return;
                    case "uri":
                        await TextAsync(context, 200, node.Cap.ToString()).ConfigureAwait(false);
                        return;
                    case "readonly-uri":
                        await TextAsync(context, 200, NodeJson.ReadOnlyOf(node.Cap)?.ToString() ?? "").ConfigureAwait(false);
                        return;
                    case "info":
                        await pages.InfoAsync(context, node, target.Path).ConfigureAwait(false);
                        return;
                    default:
                        throw WapiException.BadRequest($"GET file: bad t={t}");
                }

            default:
                throw WapiException.BadRequest($"GET: {node.Cap.GetType().Name} cannot be served");
        }
    }

    // The file's bytes, or one range of them: Content-Type from filename= or the name in the path,
    // save=true for an attachment, an ETag for immutable files (their bytes never change).
    private async Task DownloadAsync(HttpContext context, WapiArgs args, Target target, IFileNode file)
    {
        var response = context.Response;
        var name = args.Get("filename") ?? target.Name ?? "unknown";
        var (contentType, encoding) = TypeOf(name);
        var node = (FilesystemNode)file;
        if (!node.IsMutable && node.Cap.TryGetStorageIndex(out var index))
        {
            var etag = $"\"{index}-\"";
            response.Headers.ETag = etag;
            if (context.Request.Headers.IfNoneMatch.ToString() == etag)
            {
                response.StatusCode = 304;
                return;
            }
        }

        long size = file.KnownSize ?? await ((MutableFileNode)node).GetSizeAsync(context.RequestAborted).ConfigureAwait(false);
        var (first, last) = (0L, size - 1);
        var ranged = false;
        if (RangeOf(context.Request) is var (from, to, suffix) && size >= 0)
        {
            (first, last) = suffix ? (Math.Max(0, size - to), size - 1) : (from, Math.Min(to, size - 1));
            if (first >= size)
            {
                response.Headers.ContentRange = $"bytes */{size.ToString(CultureInfo.InvariantCulture)}";
                throw new WapiException(416, "First beyond end of file");
            }

            ranged = true;
        }

        response.StatusCode = ranged ? 206 : 200;
        response.ContentType = contentType;
        if (RunsInBrowser(contentType))
        {
            response.Headers.ContentSecurityPolicy = "sandbox"; // a stored page must not act as the gateway's origin
        }

        if (encoding is not null)
        {
            response.Headers.ContentEncoding = encoding;
        }

        if (args.Bool("save"))
        {
            response.Headers.ContentDisposition = $"attachment; filename=\"{name.Replace("\"", "", StringComparison.Ordinal)}\"";
        }

        response.Headers.AcceptRanges = "bytes";
        response.ContentLength = Math.Max(0, last - first + 1);
        if (ranged)
        {
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {first}-{last}/{size}");
        }

        if (HttpMethods.IsHead(context.Request.Method) || size == 0)
        {
            return;
        }

        await file.ReadAsync(response.Body, first, last, null, context.RequestAborted).ConfigureAwait(false);
        counters.Downloaded(last - first + 1);
    }

    private static bool RunsInBrowser(string contentType) =>
        contentType.Contains("html", StringComparison.OrdinalIgnoreCase) || contentType.Contains("xml", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("image/svg", StringComparison.OrdinalIgnoreCase);

    /// <summary>Tahoe's content type for a name: by extension, text/plain when unknown; .gz and .bz2 as content encodings.</summary>
    private static (string ContentType, string? Encoding) TypeOf(string name)
    {
        string? encoding = null;
        var typed = name;
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            (encoding, typed) = ("gzip", name[..^3]);
        }
        else if (name.EndsWith(".bz2", StringComparison.OrdinalIgnoreCase))
        {
            (encoding, typed) = ("bzip2", name[..^4]);
        }

        return (ContentTypes.TryGetContentType(typed, out var type) ? type : "text/plain", encoding);
    }

    // Only bytes=, the first range of several, and an unparsable header is ignored, as in Tahoe.
    private static (long From, long To, bool Suffix)? RangeOf(HttpRequest request)
    {
        var text = request.Headers.Range.ToString();
        if (text.Length == 0 || !RangeHeaderValue.TryParse(text, out var range) || range.Unit != "bytes" || range.Ranges.Count == 0)
        {
            return null;
        }

        var item = range.Ranges.First();
        return item.From is long from
            ? (from, item.To ?? long.MaxValue, false)
            : item.To is long suffix ? (0, suffix, true) : null;
    }
}
