using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Granary.Gateway.Ui;

/// <summary>
/// A page of the web UI being written: every text goes through <see cref="Text"/> (HTML-encoded),
/// every form through <see cref="Form"/> (which adds the form token), and the whole thing is one
/// self-contained document: inline style, no script, no external asset.
/// </summary>
internal sealed class Html(string formToken)
{
    private const string Style = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
        header{background:#23303d;color:#fff;padding:.6em 1.2em}header a{color:#fff;text-decoration:none;font-weight:600}
        main{padding:1em 1.2em;max-width:72em}h1{font-size:1.3em;word-break:break-all}h2{font-size:1.05em;margin-top:1.6em}
        table{border-collapse:collapse;background:#fff;width:100%}th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #dde1e6;vertical-align:top}
        th{background:#eef1f4}code,.cap{font:12px ui-monospace,monospace;word-break:break-all}
        form{display:inline}section form,.box form{display:block;margin:.4em 0}.box{background:#fff;border:1px solid #dde1e6;padding:.6em 1em;margin:.8em 0}
        .ok{color:#1a7f37}.bad{color:#b42318}input[type=text]{width:22em}small{color:#5b6671}
        """;

    private readonly StringBuilder _body = new();

    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>An escaped URL path segment.</summary>
    public static string Segment(string text) => Uri.EscapeDataString(text);

    public Html Raw(string html)
    {
        _body.Append(html);
        return this;
    }

    public Html Text(string text) => Raw(Encode(text));

    public Html Element(string tag, string text) => Raw($"<{tag}>{Encode(text)}</{tag}>");

    public Html Link(string href, string text) => Raw($"<a href=\"{Encode(href)}\">{Encode(text)}</a>");

    /// <summary>A POST form to <paramref name="action"/> with hidden fields, then <paramref name="inner"/> (already HTML), then a button.</summary>
    public Html Form(string action, IEnumerable<(string Name, string Value)> hidden, string inner, string button, bool multipart = false)
    {
        _body.Append($"<form method=\"post\" action=\"{Encode(action)}\"{(multipart ? " enctype=\"multipart/form-data\"" : "")}>");
        _body.Append($"<input type=\"hidden\" name=\"{GatewaySecurity.FormTokenField}\" value=\"{Encode(formToken)}\">");
        foreach (var (name, value) in hidden)
        {
            _body.Append($"<input type=\"hidden\" name=\"{Encode(name)}\" value=\"{Encode(value)}\">");
        }

        _body.Append(inner);
        _body.Append($"<button type=\"submit\">{Encode(button)}</button></form>");
        return this;
    }

    public static string Input(string name, string label, string type = "text", string value = "") =>
        $"<label>{Encode(label)} <input type=\"{type}\" name=\"{Encode(name)}\" value=\"{Encode(value)}\"></label> ";

    /// <summary>Sends the page: HTML with a policy that lets it load nothing and post only to the gateway.</summary>
    public Task SendAsync(HttpContext context, string title, int status = 200, TimeSpan? refresh = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
        response.Headers.CacheControl = "no-store";
        var head = refresh is { } every ? $"<meta http-equiv=\"refresh\" content=\"{(int)every.TotalSeconds}\">" : "";
        var page = $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">{head}<title>{Encode(title)} - Granary</title><style>{Style}</style></head>"
            + $"<body><header><a href=\"/\">Granary gateway</a></header><main>{_body}</main></body></html>";
        return response.WriteAsync(page, context.RequestAborted);
    }
}
