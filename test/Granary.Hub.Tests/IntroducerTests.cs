using System.Net.Http.Json;
using System.Security.Cryptography;
using Granary.Core.Identity;
using Granary.Core.Protocol;

namespace Granary.Hub.Tests;

/// <summary>Announcements, their refusal and expiry on the hub's clock; on SQLite and on PostgreSQL.</summary>
public abstract class IntroducerTests
{
    protected abstract Backend Backend { get; }

    [Fact]
    public async Task A_signed_announcement_is_listed_with_the_advised_encoding()
    {
        await using var hub = await TestHub.StartAsync(Backend, o => o.Encoding = new EncodingOptions { Needed = 2, Happy = 4, Total = 5 });
        using var node = NodeKey.Generate();
        var url = UrlOf(node, 4000);
        var response = await AnnounceAsync(hub, Announcement.Create(node, url, 1000, 600, "granary test", 1));
        Assert.Equal(200, (int)response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<AnnounceResult>(IntroducerProtocol.Json);
        Assert.Equal(hub.Time.GetUtcNow().AddSeconds(600), accepted!.ExpiresAt);

        var list = await ServersAsync(hub);
        var server = Assert.Single(list.Servers);
        Assert.Equal((node.NodeId.ToString(), url.ToString(), 1000L, 600L, "granary test", 1L), (server.NodeId, server.StorageUrl, server.Capacity, server.Available, server.Version, server.Sequence));
        Assert.Equal(new EncodingAdvice(2, 4, 5), list.Encoding);
    }

    [Fact]
    public async Task Only_a_higher_sequence_number_replaces_an_announcement()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        using var node = NodeKey.Generate();
        Assert.Equal(200, (int)(await AnnounceAsync(hub, Announcement.Create(node, UrlOf(node, 4000), 10, 10, "v", 5))).StatusCode);
        Assert.Equal(409, (int)(await AnnounceAsync(hub, Announcement.Create(node, UrlOf(node, 4001), 10, 10, "v", 5))).StatusCode);
        Assert.Equal(409, (int)(await AnnounceAsync(hub, Announcement.Create(node, UrlOf(node, 4002), 10, 10, "v", 4))).StatusCode);
        Assert.Equal(200, (int)(await AnnounceAsync(hub, Announcement.Create(node, UrlOf(node, 4003), 10, 10, "v", 6))).StatusCode);
        Assert.EndsWith(":4003", Assert.Single((await ServersAsync(hub)).Servers).StorageUrl.Split('/')[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Announcements_lapse_after_their_time_unless_renewed()
    {
        await using var hub = await TestHub.StartAsync(Backend, o => o.AnnouncementTtlSeconds = 60);
        using var renewing = NodeKey.Generate();
        using var silent = NodeKey.Generate();
        await AnnounceAsync(hub, Announcement.Create(renewing, UrlOf(renewing, 4000), 10, 10, "v", 1));
        await AnnounceAsync(hub, Announcement.Create(silent, UrlOf(silent, 4001), 10, 10, "v", 1));

        hub.Time.Advance(TimeSpan.FromSeconds(40));
        await AnnounceAsync(hub, Announcement.Create(renewing, UrlOf(renewing, 4000), 10, 9, "v", 2));
        Assert.Equal(2, (await ServersAsync(hub)).Servers.Count);

        hub.Time.Advance(TimeSpan.FromSeconds(20));
        var left = Assert.Single((await ServersAsync(hub)).Servers);
        Assert.Equal(renewing.NodeId.ToString(), left.NodeId);

        hub.Time.Advance(TimeSpan.FromSeconds(40));
        Assert.Empty((await ServersAsync(hub)).Servers);

        // An old announcement replayed after expiry still cannot come back.
        Assert.Equal(409, (int)(await AnnounceAsync(hub, Announcement.Create(renewing, UrlOf(renewing, 4000), 10, 10, "v", 1))).StatusCode);
    }

    [Fact]
    public async Task Forged_or_mismatched_announcements_are_refused_with_the_reason()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        using var node = NodeKey.Generate();
        using var other = NodeKey.Generate();
        var genuine = Announcement.Create(node, UrlOf(node, 4000), 10, 10, "v", 1);

        await AssertRefusedAsync(hub, genuine with { Available = 999 }, "signature");
        await AssertRefusedAsync(hub, Announcement.Create(other, UrlOf(node, 4000), 10, 10, "v", 1), "another node");
        await AssertRefusedAsync(hub, genuine with { Signature = "bm90IGEgc2lnbmF0dXJl" }, "signature");
        await AssertRefusedAsync(hub, genuine with { NodeId = "xyz" }, "nodeId");
        await AssertRefusedAsync(hub, Announcement.Create(node, UrlOf(node, 4000), -1, 10, "v", 1), "negative");
        Assert.Empty((await ServersAsync(hub)).Servers);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[1,2]")]
    [InlineData("{\"nodeId\": 5}")]
    [InlineData("{\"unexpected\": true}")]
    public async Task Malformed_bodies_are_a_400(string body)
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var response = await hub.Http.PostAsync("/" + IntroducerProtocol.AnnouncePath, new StringContent(body));
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("error", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_body_is_refused()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var request = new HttpRequestMessage(HttpMethod.Post, "/" + IntroducerProtocol.AnnouncePath) { Content = new ByteArrayContent(new byte[100_000]) };
        request.Headers.ExpectContinue = true; // refused before the body is sent, not cut off mid-send
        var response = await hub.Http.SendAsync(request);
        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    private static StorageUrl UrlOf(NodeKey node, int port) => new(node.NodeId, "127.0.0.1", port, RandomNumberGenerator.GetBytes(StorageUrl.SecretSize));

    private static Task<HttpResponseMessage> AnnounceAsync(TestHub hub, Announcement announcement) =>
        hub.Http.PostAsJsonAsync("/" + IntroducerProtocol.AnnouncePath, announcement, IntroducerProtocol.Json);

    private static async Task<ServerList> ServersAsync(TestHub hub) =>
        (await hub.Http.GetFromJsonAsync<ServerList>("/" + IntroducerProtocol.ServersPath, IntroducerProtocol.Json))!;

    private static async Task AssertRefusedAsync(TestHub hub, Announcement announcement, string reason)
    {
        var response = await AnnounceAsync(hub, announcement);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class IntroducerOnSqliteTests : IntroducerTests
{
    protected override Backend Backend => Backend.Sqlite;
}

public sealed class IntroducerOnPostgresTests : IntroducerTests
{
    protected override Backend Backend => Backend.Postgres;
}
