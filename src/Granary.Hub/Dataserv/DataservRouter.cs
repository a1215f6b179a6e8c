using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Granary.Hub.Dataserv;

/// <summary>
/// Serves <c>/</c> and everything under <c>/api/</c> exactly as Flask and Werkzeug served
/// dataserv (spec §3): routes match whole percent-decoded segments (a trailing slash is another
/// segment, so it does not match), GET and HEAD run the route, OPTIONS answers with <c>Allow</c>,
/// other methods get 405, and unknown paths 404 with Werkzeug's page.
/// </summary>
internal sealed class DataservRouter(DataservApi api, ResponseCache cache)
{
    private const string Allow = "GET, HEAD, OPTIONS";
    private const int MinimumCompressedSize = 1024;

    /// <summary>Handles the request if it is dataserv's; false to let the rest of the hub have it.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var path = DecodedPath(context);
        if (path != "/" && !path.StartsWith("/api/", StringComparison.Ordinal))
        {
            return false;
        }

        var route = Match(path.Split('/'));
        if (route is null)
        {
            await WriteAsync(context, DataservResponse.NotFound).ConfigureAwait(false);
            return true;
        }

        var method = context.Request.Method;
        if (HttpMethods.IsOptions(method))
        {
            context.Response.Headers.Allow = Allow;
            await WriteAsync(context, DataservResponse.Text(200, "")).ConfigureAwait(false);
        }
        else if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            await WriteAsync(context, await route.Respond(context, path).ConfigureAwait(false), route.Cached).ConfigureAwait(false);
        }
        else
        {
            context.Response.Headers.Allow = Allow;
            await WriteAsync(context, DataservResponse.MethodNotAllowed).ConfigureAwait(false);
        }

        return true;
    }

    private Route? Match(string[] segments)
    {
        // segments[0] is the empty string before the leading slash.
        return segments[1..] switch
        {
            [""] => new((_, _) => Task.FromResult(DataservApi.Index())),
            ["api", "register", var btc] when btc.Length > 0 => new((c, _) => api.RegisterAsync(btc, btc, Header(c, "Authorization"), Header(c, "Date"), c.RequestAborted)),
            ["api", "register", var btc, var payout] when btc.Length > 0 && payout.Length > 0 =>
                new((c, _) => api.RegisterAsync(btc, payout, Header(c, "Authorization"), Header(c, "Date"), c.RequestAborted)),
            ["api", "ping", var btc] when btc.Length > 0 => new((c, _) => api.PingAsync(btc, Header(c, "Authorization"), Header(c, "Date"), c.RequestAborted)),
            ["api", "height", var btc, var height] when btc.Length > 0 && IsDigits(height) =>
                new((c, _) => api.HeightAsync(btc, height, Header(c, "Authorization"), Header(c, "Date"), c.RequestAborted)),
            ["api", "address"] => Cached((c, p) => cache.GetAsync(p, () => Task.FromResult(api.Address(Compact(c))))),
            ["api", "online"] => Cached((c, p) => cache.GetAsync(p, () => api.OnlineAsync(c.RequestAborted))),
            ["api", "online", "json"] => Cached((c, p) => cache.GetAsync(p, () => api.OnlineJsonAsync(Compact(c), c.RequestAborted))),
            ["api", "total"] => Cached((c, p) => cache.GetAsync(p, () => api.TotalAsync(Compact(c), c.RequestAborted))),
            _ => null,
        };
    }

    private Route Cached(Func<HttpContext, string, Task<DataservResponse>> respond) => new(respond, cache.Enabled);

    // A cached response is also served gzip-compressed to clients that ask for it (browsers do;
    // dataserv-client does not): compressed once per cache lifetime, it cuts /api/online/json of a
    // large grid to about a fifth. dataserv never compressed; the bytes after decoding are the same.
    private static async Task WriteAsync(HttpContext context, DataservResponse response, bool cached = false)
    {
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        if (response.Cors)
        {
            context.Response.Headers.AccessControlAllowOrigin = "*";
        }

        var body = response.Body;
        if (cached)
        {
            context.Response.Headers.Vary = "Accept-Encoding";
            if (body.Length >= MinimumCompressedSize && AcceptsGzip(context))
            {
                context.Response.Headers.ContentEncoding = "gzip";
                body = response.GzippedBody;
            }
        }

        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static bool AcceptsGzip(HttpContext context) =>
        context.Request.Headers.AcceptEncoding.SelectMany(value => (value ?? "").Split(','))
            .Any(item => StringWithQualityHeaderValue.TryParse(item.Trim(), out var coding)
                && coding.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase)
                && coding.Quality is not 0);

    // The request path as Werkzeug saw it: the raw target up to the query, with every escape
    // decoded — %2F included, so an escaped slash splits a segment as a real one does.
    internal static string DecodedPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? raw[..query] : raw;
        return path.StartsWith('/') ? Uri.UnescapeDataString(path) : context.Request.Path.Value ?? "/";
    }

    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    // jsonify's choice: one line for XMLHttpRequest, indented otherwise.
    private static bool Compact(HttpContext context) =>
        string.Equals(Header(context, "X-Requested-With"), "XMLHttpRequest", StringComparison.OrdinalIgnoreCase);

    // Werkzeug's int converter: \d+, which in Python 3 takes any script's decimal digits.
    internal static bool IsDigits(string text) => text.Length > 0 && text.All(c => CharUnicodeInfo.GetDecimalDigitValue(c) >= 0 && char.IsDigit(c));

    private sealed record Route(Func<HttpContext, string, Task<DataservResponse>> Respond, bool Cached = false);
}
