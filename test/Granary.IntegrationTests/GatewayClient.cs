using System.Text;
using System.Text.Json.Nodes;

namespace Granary.IntegrationTests;

/// <summary>The gateway test classes share one grid (and take turns on it).</summary>
[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}

/// <summary>One grid (with its gateway) for the gateway tests, and an HTTP client that talks to it as Tahoe's CLI does.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    internal TestGrid Grid { get; private set; } = null!;

    internal GatewayClient Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Grid = await TestGrid.StartAsync();
        Gateway = new GatewayClient(new Uri(Grid.Gateway.Url));
    }

    public async Task DisposeAsync()
    {
        Gateway.Dispose();
        await Grid.DisposeAsync();
    }
}

/// <summary>An answer from the gateway: status, body as text and bytes, headers.</summary>
internal sealed record GatewayAnswer(int Status, byte[] Body, HttpResponseMessage Response)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonNode Json => JsonNode.Parse(Text)!;

    public string? Header(string name) =>
        Response.Headers.TryGetValues(name, out var values) || Response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
}

/// <summary>
/// Requests shaped like those of Tahoe's CLI (<c>scripts/common_http.py</c>): no Content-Type, a
/// Content-Length always, arguments in the query, redirects not followed.
/// </summary>
internal sealed class GatewayClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(10) };

    public Uri BaseAddress => baseAddress;

    /// <summary>A node's URL: <c>uri/CAP[/a/b]</c>, each part escaped as the CLI escapes it.</summary>
    public static string Path(string cap, params string[] names) =>
        "uri/" + string.Join("/", new[] { cap }.Concat(names).Select(Uri.EscapeDataString));

    public async Task<GatewayAnswer> SendAsync(HttpMethod method, string path, byte[]? body = null, IEnumerable<(string Name, string Value)>? headers = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (content is not null)
        {
            request.Content = content;
        }
        else if (body is not null || method == HttpMethod.Put || method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent(body ?? []); // no Content-Type, as the CLI sends
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await _http.SendAsync(request);
        return new GatewayAnswer((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    public Task<GatewayAnswer> GetAsync(string path, IEnumerable<(string Name, string Value)>? headers = null) => SendAsync(HttpMethod.Get, path, headers: headers);

    public Task<GatewayAnswer> PutAsync(string path, byte[] body) => SendAsync(HttpMethod.Put, path, body);

    public Task<GatewayAnswer> PutAsync(string path, string body) => SendAsync(HttpMethod.Put, path, Encoding.UTF8.GetBytes(body));

    public Task<GatewayAnswer> PostAsync(string path, string? body = null) => SendAsync(HttpMethod.Post, path, body is null ? [] : Encoding.UTF8.GetBytes(body));

    public Task<GatewayAnswer> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>A request that must succeed with <paramref name="status"/>; returns its body as text.</summary>
    public async Task<string> OkAsync(Task<GatewayAnswer> request, int status = 200)
    {
        var answer = await request;
        Assert.True(answer.Status == status, $"expected {status}, got {answer.Status}: {answer.Text}");
        return answer.Text;
    }

    /// <summary><c>POST /uri?t=mkdir</c>: a new directory's cap.</summary>
    public async Task<string> MkdirAsync(string query = "") => (await OkAsync(PostAsync("uri?t=mkdir" + query))).Trim();

    public async Task<string> UploadAsync(byte[] data, string query = "") => (await OkAsync(PutAsync("uri" + query, data))).Trim();

    public void Dispose() => _http.Dispose();

    public static byte[] Random(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }
}
