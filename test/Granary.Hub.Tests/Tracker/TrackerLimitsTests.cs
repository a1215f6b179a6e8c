using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Granary.Hub.Tracker;
using Granary.Hub.Tracker.Federation;

namespace Granary.Hub.Tests.Tracker;

/// <summary>
/// §10.16's per-IP rate limit and request timeouts over real HTTP. The limit's buckets refill once
/// an hour here, so a burst sees no refill however slow the machine. Other addresses come through
/// X-Forwarded-For from 127.0.0.1 as a trusted proxy: the limit partitions by the peer IP the
/// tracker computes, so that is what they exercise. The store does not matter here: SQLite only.
/// </summary>
public sealed class TrackerLimitsTests
{
    private const string Refused = """{"success":false,"error":"Too many requests from this address; try again later"}""";

    private static Task<TestHub> StartAsync(int perSecond, int burst, Action<TrackerOptions>? configure = null) =>
        TestHub.StartAsync(Backend.Sqlite, o =>
        {
            o.Tracker.RateLimitPerSecond = perSecond;
            o.Tracker.RateLimitBurst = burst;
            o.Tracker.TrustedProxies = ["127.0.0.1"];
            configure?.Invoke(o.Tracker);
        }, new TrackerHostOptions { Port = 0, RateLimitPeriod = TimeSpan.FromHours(1) });

    private static async Task<(int Status, string Body, string? RetryAfter)> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (forwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        }

        using var response = await http.SendAsync(request);
        var retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? string.Join(",", values) : null;
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), retryAfter);
    }

    private static Task<(int Status, string Body, string? RetryAfter)> AddAsync(HttpClient http, string hash, string? forwardedFor = null) =>
        SendAsync(http, HttpMethod.Post, "/add_file", TrackerCalls.File(TrackerCalls.Hash(hash), null, 0).ToJsonString(), forwardedFor);

    private static async Task<int> FileCountAsync(HttpClient http, string forwardedFor)
    {
        var (status, body, _) = await SendAsync(http, HttpMethod.Get, "/file_list", forwardedFor: forwardedFor);
        Assert.True(status == 200, body);
        return new TrackerCalls.Answer(status, body).Json.GetProperty("files").GetArrayLength();
    }

    [Fact]
    public async Task A_burst_beyond_the_limit_gets_429_with_the_json_error_and_retry_after_and_stores_nothing()
    {
        await using var hub = await StartAsync(perSecond: 3, burst: 3);
        for (var i = 0; i < 3; i++)
        {
            var (status, body, retryAfter) = await AddAsync(hub.TrackerHttp, $"allowed{i}");
            Assert.True(status == 200, body);
            Assert.Null(retryAfter);
        }

        for (var i = 0; i < 3; i++)
        {
            var (status, body, retryAfter) = await AddAsync(hub.TrackerHttp, $"refused{i}");
            Assert.Equal((429, Refused), (status, body));
            // The bucket refills once an hour here: the client is told to wait that long.
            Assert.Equal(3600, int.Parse(retryAfter!, CultureInfo.InvariantCulture));
        }

        // Every route counts, reads too.
        Assert.Equal(429, (await SendAsync(hub.TrackerHttp, HttpMethod.Get, "/file_list")).Status);
        Assert.Equal(429, (await SendAsync(hub.TrackerHttp, HttpMethod.Get, $"/peer_status/{Guid.NewGuid()}")).Status);

        // Another address has its own bucket, and sees only the three files that were let through.
        Assert.Equal(3, await FileCountAsync(hub.TrackerHttp, "198.51.100.7"));
        var refused = await SendAsync(hub.TrackerHttp, HttpMethod.Get, $"/file_by_hash/{TrackerCalls.Hash("refused0")}", forwardedFor: "198.51.100.7");
        Assert.Equal((404, $"File with hash {TrackerCalls.Hash("refused0")} does not exist"), (refused.Status, new TrackerCalls.Answer(refused.Status, refused.Body).Error));
    }

    [Fact]
    public async Task An_ipv4_mapped_address_shares_the_bucket_of_its_ipv4_form()
    {
        await using var hub = await StartAsync(perSecond: 2, burst: 2);
        Assert.Equal(200, (await AddAsync(hub.TrackerHttp, "one", "203.0.113.9")).Status);
        Assert.Equal(200, (await AddAsync(hub.TrackerHttp, "two", "::ffff:203.0.113.9")).Status);
        Assert.Equal(429, (await AddAsync(hub.TrackerHttp, "three", "203.0.113.9")).Status);
        Assert.Equal(429, (await AddAsync(hub.TrackerHttp, "four", "::ffff:203.0.113.9")).Status);

        // Neither 127.0.0.1 nor an IPv6 client was touched by that.
        Assert.Equal(2, await FileCountAsync(hub.TrackerHttp, "2001:db8::9"));
        Assert.Equal(2, (await hub.TrackerHttp.FetchAsync("/file_list")).Json.GetProperty("files").GetArrayLength());
    }

    [Fact]
    public async Task On_a_dual_stack_listener_ipv4_and_ipv6_loopback_clients_have_their_own_buckets()
    {
        if (!Socket.OSSupportsIPv6)
        {
            Assert.Fail("this test needs IPv6 (a dual-stack loopback)");
        }

        await using var hub = await TestHub.StartAsync(Backend.Sqlite, o =>
        {
            o.Tracker.Urls = "http://[::]:42070";
            o.Tracker.RateLimitPerSecond = 2;
            o.Tracker.RateLimitBurst = 2;
        }, new TrackerHostOptions { Port = 0, RateLimitPeriod = TimeSpan.FromHours(1) });
        using var v4 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{hub.Tracker!.Url.Port}/") };
        using var v6 = new HttpClient { BaseAddress = new Uri($"http://[::1]:{hub.Tracker.Url.Port}/") };

        // The IPv4 client reaches the socket as ::ffff:127.0.0.1 and is counted as 127.0.0.1.
        Assert.Equal(200, (await AddAsync(v4, "v4a")).Status);
        Assert.Equal(200, (await AddAsync(v4, "v4b")).Status);
        Assert.Equal((429, Refused), ((await AddAsync(v4, "v4c")).Status, (await AddAsync(v4, "v4d")).Body));
        Assert.Equal(200, (await AddAsync(v6, "v6a")).Status);
        Assert.Equal(3, (await v6.FetchAsync("/file_list")).Json.GetProperty("files").GetArrayLength());
    }

    [Fact]
    public async Task Under_legacy_status_a_refusal_is_http_200_with_the_same_body_and_retry_after()
    {
        await using var hub = await StartAsync(perSecond: 1, burst: 1, o => o.LegacyHttpStatus = true);
        Assert.Equal(200, (await AddAsync(hub.TrackerHttp, "first")).Status);
        var (status, body, retryAfter) = await AddAsync(hub.TrackerHttp, "second");
        Assert.Equal((200, Refused), (status, body));
        Assert.NotNull(retryAfter);
        Assert.Equal(1, await FileCountAsync(hub.TrackerHttp, "198.51.100.7"));
    }

    [Fact]
    public async Task With_the_limit_off_a_burst_goes_through()
    {
        await using var hub = await StartAsync(perSecond: 0, burst: 0);
        for (var i = 0; i < 200; i++)
        {
            var (status, body, _) = await SendAsync(hub.TrackerHttp, HttpMethod.Get, $"/peer_status/{Guid.NewGuid()}");
            Assert.True(status == 404, body);
        }

        Assert.Equal(200, (await AddAsync(hub.TrackerHttp, "after")).Status);
    }

    [Fact]
    public async Task Authenticated_member_calls_are_not_limited_but_failed_authentications_are()
    {
        await using var hub = await StartAsync(perSecond: 2, burst: 2);
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        TrackerMembers.Save(TrackerMembers.PathIn(hub.DirectoryPath), [new TrackerMember("peer-tracker", "peer-tracker", new Uri("http://127.0.0.1:9/"), key, false)]);
        await hub.Tracker!.ReloadMembersAsync(CancellationToken.None);

        async Task<int> SyncAsync(int originSeq, byte[] signingKey)
        {
            var body = Encoding.UTF8.GetBytes(
                $$"""{"event":"add_file","event_ip":"10.1.2.3","data":{{TrackerCalls.File(TrackerCalls.Hash($"member{originSeq}"), Guid.NewGuid().ToString(), 0).ToJsonString()}},"event_id":"{{Guid.NewGuid()}}","origin":"peer-tracker","origin_seq":{{originSeq}}}""");
            var now = hub.Time.GetUtcNow().ToUnixTimeSeconds();
            var nonce = Guid.NewGuid().ToString();
            using var request = new HttpRequestMessage(HttpMethod.Patch, "/tracker_sync") { Content = new ByteArrayContent(body) };
            request.Headers.TryAddWithoutValidation(TrackerAuth.SenderHeader, "peer-tracker");
            request.Headers.TryAddWithoutValidation(TrackerAuth.TimestampHeader, now.ToString(CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation(TrackerAuth.NonceHeader, nonce);
            request.Headers.TryAddWithoutValidation(TrackerAuth.SignatureHeader, TrackerAuth.SignRequest(signingKey, "PATCH", "/tracker_sync", now, nonce, body));
            using var response = await hub.TrackerHttp.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode == 429)
            {
                Assert.Equal(Refused, text);
            }

            return (int)response.StatusCode;
        }

        for (var seq = 1; seq <= 6; seq++)
        {
            Assert.Equal(200, await SyncAsync(seq, key));
        }

        var wrongKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        Assert.Equal(401, await SyncAsync(7, wrongKey));
        Assert.Equal(401, await SyncAsync(7, wrongKey));
        Assert.Equal(429, await SyncAsync(7, wrongKey));

        // The member goes on; the address's peer requests are what the forgeries used up.
        Assert.Equal(200, await SyncAsync(7, key));
        Assert.Equal(429, (await SendAsync(hub.TrackerHttp, HttpMethod.Get, "/file_list")).Status);
        Assert.Equal(7, await FileCountAsync(hub.TrackerHttp, "198.51.100.7"));
    }

    [Fact]
    public async Task A_client_that_never_finishes_its_headers_is_disconnected_within_the_timeout()
    {
        await using var hub = await StartAsync(perSecond: 0, burst: 0, o => o.RequestHeadersTimeoutSeconds = 1);
        using var client = new TcpClient();
        await client.ConnectAsync(hub.Tracker!.Url.Host, hub.Tracker.Url.Port);
        var stream = client.GetStream();
        await stream.WriteAsync("GET /file_list HTTP/1.1\r\nHost: tracker\r\nX-Slow: "u8.ToArray());
        var clock = Stopwatch.StartNew();

        // Kestrel may answer 408 before it closes; what matters is that the connection ends.
        var buffer = new byte[4096];
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await stream.ReadAsync(buffer, patience.Token) > 0)
        {
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"closed after {clock.Elapsed}");
    }

    [Fact]
    public void A_burst_smaller_than_the_rate_is_refused_and_zero_means_four_seconds_worth()
    {
        var options = new TrackerOptions { RateLimitPerSecond = 50, RateLimitBurst = 10 };
        Assert.Contains("rateLimitBurst", Assert.Throws<InvalidOperationException>(() => options.Validate("127.0.0.1")).Message, StringComparison.Ordinal);
        Assert.Equal(4000, new TrackerOptions().EffectiveRateLimitBurst);
        Assert.Equal(1000, new TrackerOptions().RateLimitPerSecond);
        Assert.Throws<InvalidOperationException>(() => new TrackerOptions { RateLimitPerSecond = -1 }.Validate("127.0.0.1"));
        new TrackerOptions { RateLimitPerSecond = 0 }.Validate("127.0.0.1");
    }
}
