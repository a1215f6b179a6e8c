using System.Globalization;
using Granary.Hub.Dataserv;
using Microsoft.AspNetCore.Http;

namespace Granary.Hub.Downstream;

/// <summary>
/// Serves everything under <c>/api/downstream/v1</c> as Flask served downstream-node (proofs-of-storage
/// §2.1): whole path segments, Werkzeug's integer segments, its HTML 404 and 405 pages for paths and
/// methods it did not know, and a redirect to the slashed form where a rule ends in a slash.
/// </summary>
internal sealed class DownstreamRouter(DownstreamApi api)
{
    public const string Root = "/api/downstream/v1";

    private const string Get = "GET, HEAD, OPTIONS";
    private const string GetPost = "GET, HEAD, POST, OPTIONS";
    private const string Post = "POST, OPTIONS";

    /// <summary>Handles the request if it is under the downstream root; false to let the rest of the hub have it.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var path = DataservRouter.DecodedPath(context);
        if (path == Root)
        {
            Redirect(context, Root + "/");
            return true;
        }

        if (!path.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var route = Match(path[(Root.Length + 1)..].Split('/'), path);
        if (route is null)
        {
            await DownstreamApi.WriteAsync(context, DataservResponse.NotFound).ConfigureAwait(false);
            return true;
        }

        var method = context.Request.Method;
        if (HttpMethods.IsOptions(method))
        {
            context.Response.Headers.Allow = route.Allow;
            await DownstreamApi.WriteAsync(context, DataservResponse.Text(200, "")).ConfigureAwait(false);
        }
        else if (!route.Allows(method))
        {
            context.Response.Headers.Allow = route.Allow;
            await DownstreamApi.WriteAsync(context, DataservResponse.MethodNotAllowed).ConfigureAwait(false);
        }
        else
        {
            await route.Handle(context, Compact(context)).ConfigureAwait(false);
        }

        return true;
    }

    private Route? Match(string[] segments, string path) => segments switch
    {
        [""] => Reply(Get, (_, compact) => Task.FromResult(DownstreamApi.Index(compact))),
        ["new", var address] when address.Length > 0 => Reply(GetPost, (c, compact) => api.NewTokenAsync(c, address, compact)),
        ["heartbeat", var token] when token.Length > 0 => Reply(Get, (c, compact) => api.HeartbeatAsync(token, compact, c.RequestAborted)),
        ["chunk", var token] when token.Length > 0 => new(Get, (c, compact) => api.ChunksAsync(c, token, null, compact)),
        ["chunk", var token, var size] when token.Length > 0 && DataservRouter.IsDigits(size) => new(Get, (c, compact) => api.ChunksAsync(c, token, Integer(size), compact)),
        ["challenge", var token] when token.Length > 0 => new(GetPost, (c, compact) => api.ChallengesAsync(c, token, compact)),
        ["answer", var token] when token.Length > 0 => new(Post, (c, compact) => api.AnswersAsync(c, token, compact)),
        ["status", "show", var farmer] when farmer.Length > 0 => Reply(Get, (c, compact) => api.ShowAsync(farmer, compact, c.RequestAborted)),
        ["status", "list", .. var rest] => StatusList(rest, path),
        _ => null,
    };

    // /status/list/ and /status/list/online/ end in a slash; the rest of the variants do not.
    private Route? StatusList(string[] rest, string path)
    {
        if (rest is [] or ["online"])
        {
            return new(Get, (c, _) => RedirectAsync(c, path + "/"));
        }

        var online = rest[0] == "online";
        if (online)
        {
            rest = rest[1..];
        }

        if (rest is [""])
        {
            return Status(new StatusQuery(online, null, false, null, 0));
        }

        string? sortBy = null;
        var descending = false;
        if (rest is ["by", "d", var key, ..] && key.Length > 0)
        {
            (sortBy, descending, rest) = (key, true, rest[3..]);
        }
        else if (rest is ["by", var plain, ..] && plain.Length > 0)
        {
            (sortBy, rest) = (plain, rest[2..]);
        }

        return rest switch
        {
            [] when sortBy is not null => Status(new StatusQuery(online, sortBy, descending, null, 0)),
            [var limit] when DataservRouter.IsDigits(limit) => Status(new StatusQuery(online, sortBy, descending, Integer(limit), 0)),
            [var limit, var page] when DataservRouter.IsDigits(limit) && DataservRouter.IsDigits(page) =>
                Status(new StatusQuery(online, sortBy, descending, Integer(limit), Integer(page))),
            _ => null,
        };
    }

    private Route Status(StatusQuery query) => Reply(Get, (c, compact) => api.ListAsync(query, compact, c.RequestAborted));

    private static Route Reply(string allow, Func<HttpContext, bool, Task<DataservResponse>> respond) =>
        new(allow, async (context, compact) => await DownstreamApi.WriteAsync(context, await respond(context, compact).ConfigureAwait(false)).ConfigureAwait(false));

    private static Task RedirectAsync(HttpContext context, string location)
    {
        Redirect(context, location);
        return Task.CompletedTask;
    }

    // Werkzeug's redirect to the canonical URL of a rule that ends in a slash.
    private static void Redirect(HttpContext context, string location)
    {
        context.Response.StatusCode = 308;
        context.Response.Headers.Location = location + context.Request.QueryString;
    }

    // Werkzeug's int converter takes any length; beyond a long nothing differs (every limit is smaller).
    private static long Integer(string digits)
    {
        long value = 0;
        foreach (var c in digits)
        {
            var digit = CharUnicodeInfo.GetDecimalDigitValue(c);
            if (value > (long.MaxValue - digit) / 10)
            {
                return long.MaxValue;
            }

            value = (value * 10) + digit;
        }

        return value;
    }

    // jsonify's choice: one line for XMLHttpRequest, indented otherwise.
    private static bool Compact(HttpContext context) =>
        string.Equals(context.Request.Headers["X-Requested-With"].ToString(), "XMLHttpRequest", StringComparison.OrdinalIgnoreCase);

    private sealed record Route(string Allow, Func<HttpContext, bool, Task> Handle)
    {
        public bool Allows(string method) =>
            Allow.Split(", ").Any(allowed => string.Equals(allowed, method, StringComparison.OrdinalIgnoreCase));
    }
}
