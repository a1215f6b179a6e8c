using System.Text;

namespace Granary.Hub.Dataserv;

/// <summary>A whole dataserv response, as the response cache keeps it: status, type, CORS and body.</summary>
internal sealed record DataservResponse(int Status, string ContentType, bool Cors, byte[] Body)
{
    private byte[]? _gzipped;

    public const string TextType = "text/html; charset=utf-8";
    public const string JsonType = "application/json";

    /// <summary>A plain-text answer (every message, <c>/</c> and <c>/api/online</c>): served as HTML, as Flask did.</summary>
    public static DataservResponse Text(int status, string body) => new(status, TextType, false, Encoding.UTF8.GetBytes(body));

    /// <summary>Flask's <c>jsonify</c>: pretty unless the request came from XMLHttpRequest.</summary>
    public static DataservResponse Json(PyValue value, bool compact, bool cors = false) =>
        new(200, JsonType, cors, Encoding.UTF8.GetBytes(PythonJson.Dumps(value, indent: !compact)));

    public static DataservResponse NotFound { get; } = new(404, TextType, false, Encoding.UTF8.GetBytes(
        """
        <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
        <title>404 Not Found</title>
        <h1>Not Found</h1>
        <p>The requested URL was not found on the server.  If you entered the URL manually please check your spelling and try again.</p>

        """));

    public static DataservResponse MethodNotAllowed { get; } = new(405, TextType, false, Encoding.UTF8.GetBytes(
        """
        <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
        <title>405 Method Not Allowed</title>
        <h1>Method Not Allowed</h1>
        <p>The method is not allowed for the requested URL.</p>

        """));

    /// <summary>The body gzip-compressed, made on first use and kept (with the cached response it belongs to).</summary>
    public byte[] GzippedBody => _gzipped ??= Gzip(Body);

    public static DataservResponse Unavailable { get; } = Text(503, "Service Unavailable: the hub cannot reach its database; try again shortly.");

    private static byte[] Gzip(byte[] body)
    {
        using var compressed = new MemoryStream(body.Length / 3);
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return compressed.ToArray();
    }
}
