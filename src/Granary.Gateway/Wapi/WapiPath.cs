using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Granary.Gateway.Wapi;

/// <summary>
/// The path of a request as Tahoe sees it: the raw target split on '/', each segment then
/// percent-decoded as UTF-8 (so an escaped '/' stays inside its segment), and empty segments
/// refused — but for one trailing slash, which names the directory itself.
/// </summary>
internal static class WapiPath
{
    public static List<string> Segments(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? raw[..query] : raw;
        var parts = path.Split('/');
        var segments = new List<string>();
        for (var i = 1; i < parts.Length; i++)
        {
            if (parts[i].Length == 0)
            {
                if (i == parts.Length - 1)
                {
                    break;
                }

                throw WapiException.BadRequest("The webapi does not allow empty pathname components, i.e. a double slash");
            }

            try
            {
                segments.Add(Uri.UnescapeDataString(parts[i]));
            }
            catch (UriFormatException)
            {
                throw WapiException.BadRequest($"'{parts[i]}' is not a valid path component");
            }
        }

        return segments;
    }

    /// <summary>Whether the request path ends with a slash (a directory named as one).</summary>
    public static bool EndsWithSlash(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        return (query >= 0 ? raw[..query] : raw).EndsWith('/');
    }
}
