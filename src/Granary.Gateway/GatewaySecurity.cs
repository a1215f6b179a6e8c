using System.Security.Cryptography;
using System.Text;
using Granary.Gateway.Wapi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Granary.Gateway;

/// <summary>
/// What every request passes before the web API sees it (docs/gateway.md, "Security"):
/// <list type="bullet">
/// <item>the bearer token, when the gateway has one (header, cookie, or <c>?token=</c> once, which
/// becomes the cookie);</item>
/// <item>no unsafe request from another origin: a browser marks what it sends with <c>Origin</c>
/// and <c>Sec-Fetch-Site</c>, and a page elsewhere that posts to the gateway is refused;</item>
/// <item>every browser form post carries the gateway's form token (<c>_csrf</c>), which only pages
/// the gateway rendered hold. Programs (the Tahoe CLI, curl) send neither header and need no token.</item>
/// </list>
/// </summary>
internal sealed class GatewaySecurity(GatewayOptions options, ILogger logger)
{
    public const string FormTokenField = "_csrf";
    public const string TokenCookie = "granary-token";

    /// <summary>The token this gateway's forms carry; a new one each time it starts.</summary>
    public string FormToken { get; } = Base64Url(RandomNumberGenerator.GetBytes(24));

    /// <summary>Form bodies of any size go to disk as ASP.NET Core buffers them; the default 128 MiB limit would cut uploads.</summary>
    private static readonly FormOptions Forms = new() { MultipartBodyLengthLimit = long.MaxValue, ValueLengthLimit = 16 << 20 };

    /// <summary>Refuses the request (throwing a <see cref="WapiException"/>) or lets it through; true when it was answered here (a token redirect).</summary>
    public async Task<bool> AnswerOrAdmitAsync(HttpContext context)
    {
        var request = context.Request;
        if (options.BearerToken is { } expected)
        {
            if (request.Query.TryGetValue("token", out var given) && Matches(given.ToString(), expected))
            {
                context.Response.Cookies.Append(TokenCookie, expected, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
                context.Response.Redirect(WithoutToken(request));
                return true;
            }

            var header = request.Headers.Authorization.ToString();
            var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : request.Cookies[TokenCookie];
            if (presented is null || !Matches(presented, expected))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"granary-gateway\"";
                throw new WapiException(401, "This gateway needs its token: send 'Authorization: Bearer TOKEN', or open a URL with ?token=TOKEN once in a browser.");
            }
        }

        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        var fromBrowser = origin.Length > 0 || site.Length > 0;
        if ((origin.Length > 0 && !SameOrigin(origin, site, request)) || site is "cross-site" or "same-site")
        {
            GatewayLog.CrossOrigin(logger, request.Method, Hosting.LogText.Escape(request.Path), Hosting.LogText.Escape(origin.Length > 0 ? origin : site));
            throw new WapiException(403, "Refused: this request came from a page on another site. Use the gateway's own pages, or a program.");
        }

        context.Features.Set<IFormFeature>(new FormFeature(request, Forms));
        if (request.HasFormContentType && !request.ContentType!.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            // A body sent as a form may be JSON all the same (curl --data): keep it readable after the form is parsed.
            request.EnableBuffering();
        }

        if (fromBrowser && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            if (!Matches(form[FormTokenField].ToString(), FormToken))
            {
                throw new WapiException(403, "This form is out of date (the gateway restarted) or did not come from the gateway: reload the page and try again.");
            }
        }
        else if (fromBrowser && request.ContentType is { } type && type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            // A text/plain form is the one kind another page can send without asking; ours never use it.
            throw new WapiException(403, "Refused: browser forms must be the gateway's own (text/plain form posts are not accepted).");
        }

        return false;
    }

    /// <summary>Headers on every answer: no framing (clickjacking), no referrer (caps are in URLs), no type sniffing.</summary>
    public static void AddHeaders(HttpResponse response)
    {
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = "nosniff";
    }

    /// <summary>
    /// Our own pages send no referrer, so a browser posts their forms with the opaque origin
    /// <c>null</c>; then only its <c>Sec-Fetch-Site: same-origin</c> vouches for the page.
    /// </summary>
    private static bool SameOrigin(string origin, string site, HttpRequest request) =>
        origin == "null" ? site == "same-origin" : Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static bool Matches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    private static string WithoutToken(HttpRequest request)
    {
        var rest = string.Join("&", request.Query.Where(q => q.Key != "token").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}"));
        return request.PathBase + request.Path + (rest.Length > 0 ? "?" + rest : "");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
