using System.Net;
using System.Net.Http.Json;
using Granary.Core.Protocol;

namespace Granary.Storage.Tests;

/// <summary>Whatever a client sends, the node answers 4xx with a JSON error, never 500, and keeps serving.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData("GET", "immutable/aaaa/0")]
    [InlineData("GET", "immutable/AAAAAAAAAAAAAAAAAAAAAAAAAA/0")]
    [InlineData("GET", "immutable/aaaaaaaaaaaaaaaaaaaaaaaaaa/-1")]
    [InlineData("GET", "immutable/aaaaaaaaaaaaaaaaaaaaaaaaaa/007")]
    [InlineData("GET", "immutable/aaaaaaaaaaaaaaaaaaaaaaaaaa/99999999999999999999")]
    [InlineData("GET", "immutable/..%2F..%2Fetc/0")]
    [InlineData("PUT", "immutable/aaaaaaaaaaaaaaaaaaaaaaaaaa/x/abort")]
    [InlineData("DELETE", "immutable/aaaaaaaaaaaaaaaaaaaaaaaaaa/0")]
    [InlineData("GET", "mutable/aaaaaaaaaaaaaaaaaaaaaaaaaa/zz")]
    [InlineData("GET", "nothing/here")]
    public async Task Bad_paths_get_a_4xx_with_a_JSON_error(string method, string path)
    {
        using var response = await _node.SendAsync(_node.Request(new HttpMethod(method), path));
        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<ErrorBody>(StorageProtocol.Json))?.Error));
    }

    [Fact]
    public async Task Random_requests_never_produce_a_server_error()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        string[] methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
        string[] paths =
        [
            "version", "immutable/{si}", "immutable/{si}/{n}", "immutable/{si}/{n}/abort", "immutable/{si}/shares",
            "immutable/{si}/{n}/corrupt", "immutable/{si}/{n}/proof", "lease/{si}", "mutable/{si}/read-test-write", "mutable/{si}/shares", "mutable/{si}/{n}",
        ];
        string[] secrets = ["upload-secret", "lease-renew-secret", "lease-cancel-secret", "write-enabler", "junk"];
        for (var i = 0; i < 400; i++)
        {
            var path = paths[random.Next(paths.Length)]
                .Replace("{si}", random.Next(3) == 0 ? RandomText(random, random.Next(0, 40)) : TestNode.RandomIndex().ToString(), StringComparison.Ordinal)
                .Replace("{n}", random.Next(3) == 0 ? RandomText(random, 3) : random.Next(-5, 300).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var request = _node.Request(new HttpMethod(methods[random.Next(methods.Length)]), path);
            if (random.Next(2) == 0)
            {
                var secret = new byte[random.Next(0, 40)];
                random.NextBytes(secret);
                request.Headers.TryAddWithoutValidation("X-Granary-Authorization", $"{secrets[random.Next(secrets.Length)]} {(random.Next(4) == 0 ? "%%%" : Convert.ToBase64String(secret))}");
            }

            if (random.Next(2) == 0 && request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
            {
                var body = new byte[random.Next(0, 3000)];
                random.NextBytes(body);
                request.Content = random.Next(2) == 0 ? new ByteArrayContent(body) : new StringContent("{\"share-numbers\":[" + random.Next() + "],\"allocated-size\":" + random.NextInt64() + "}");
                if (random.Next(2) == 0)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Range", $"bytes {random.Next(-5, 100)}-{random.Next(-5, 5000)}/*");
                }
            }

            if (random.Next(4) == 0)
            {
                request.Headers.TryAddWithoutValidation("Range", $"bytes={random.Next(-5, 100)}-{random.Next(-5, 100)}");
            }

            using var response = await _node.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"seed {seed}, request {i}: {request.Method} {path} answered {(int)response.StatusCode}");
        }

        Assert.Equal(StorageProtocol.Version, (await _node.Client.GetVersionAsync(CancellationToken.None)).Protocol);
    }

    [Fact]
    public async Task Oversized_control_bodies_are_refused()
    {
        var request = _node.Request(HttpMethod.Post, $"immutable/{TestNode.RandomIndex()}",
            (StorageProtocol.UploadSecret, Secrets.New()), (StorageProtocol.LeaseRenewSecret, Secrets.New()), (StorageProtocol.LeaseCancelSecret, Secrets.New()));
        request.Content = new StringContent("{\"share-numbers\":[" + string.Join(",", Enumerable.Repeat("1", 100_000)) + "],\"allocated-size\":10}");
        using var response = await _node.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    private static string RandomText(Random random, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => "abcxyz234567ABC-_.~%"[random.Next(20)])]);
}
