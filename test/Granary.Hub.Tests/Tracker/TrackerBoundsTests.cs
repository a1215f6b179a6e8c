using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Granary.Hub.Tests.Tracker;

/// <summary>
/// §1.2's bounds one by one: each violation is answered 400 (413 for the body size) with a JSON
/// error, and nothing is stored: no file, no peer, no counter moved.
/// </summary>
public abstract class TrackerBoundsTests
{
    protected abstract Backend Backend { get; }

    private const string Guid = "GUID";

    public static TheoryData<string, string, string> Violations()
    {
        var data = new TheoryData<string, string, string>();
        void Add(string label, Action<JsonObject> change)
        {
            var body = TrackerCalls.File("goodhash", Guid, 1);
            change(body);
            data.Add(label, "/add_file", body.ToJsonString());
        }

        Add("name empty", b => b["name"] = "");
        Add("name 256 bytes", b => b["name"] = new string('n', 256));
        Add("name 128 two-byte chars", b => b["name"] = new string('é', 128));
        Add("name slash", b => b["name"] = "a/b");
        Add("name backslash", b => b["name"] = "a\\b");
        Add("name NUL", b => b["name"] = "a\0b");
        Add("name control", b => b["name"] = "a\u001fb");
        Add("name DEL", b => b["name"] = "a\u007fb");
        Add("name dot", b => b["name"] = ".");
        Add("name dot dot", b => b["name"] = "..");
        Add("name not a string", b => b["name"] = 5);
        Add("chunk name slash", b => b["chunks"]![0]!["name"] = "../x");
        Add("chunk name dot dot", b => b["chunks"]![0]!["name"] = "..");
        Add("full_hash empty", b => b["full_hash"] = "");
        Add("full_hash 129", b => b["full_hash"] = new string('a', 129));
        Add("full_hash bad char", b => b["full_hash"] = "ab/cd");
        Add("full_hash number", b => b["full_hash"] = 12);
        Add("chunk hash bad char", b => b["chunks"]![0]!["hash"] = "a b");
        Add("chunk without hash", b => b["chunks"]![0]!.AsObject().Remove("hash"));
        Add("guid 65 chars", b => b["guid"] = new string('a', 65));
        Add("guid number", b => b["guid"] = 5);
        Add("seq negative", b => b["seq_number"] = -1);
        Add("seq 2^53", b => b["seq_number"] = 9_007_199_254_740_992);
        Add("seq true", b => b["seq_number"] = true);
        Add("seq string", b => b["seq_number"] = "1");
        Add("seq null", b => b["seq_number"] = null);
        Add("seq fraction", b => b["seq_number"] = 1.5);
        Add("seq missing", b => b.Remove("seq_number"));
        Add("chunks empty", b => b["chunks"] = new JsonArray());
        Add("chunks not an array", b => b["chunks"] = new JsonObject());
        Add("chunk id negative", b => b["chunks"]![0]!["id"] = -1);
        Add("chunk id 2^31", b => b["chunks"]![0]!["id"] = 2_147_483_648);
        Add("chunk ids repeat", b => b["chunks"]![1]!["id"] = 0);
        Add("chunk not an object", b => b["chunks"]![0] = 3);
        data.Add("chunks 100001", "/add_file", TrackerCalls.File("goodhash", Guid, 1, chunks: 100_001).ToJsonString());
        data.Add("body an array", "/add_file", "[]");
        data.Add("body a string", "/add_file", "\"x\"");
        data.Add("body null", "/add_file", "null");
        data.Add("body not json", "/add_file", "{");
        data.Add("body empty", "/add_file", "");
        data.Add("lone surrogate", "/add_file", TrackerCalls.File("goodhash", Guid, 1).ToJsonString().Replace("goodhash.mp4", "\\ud800x", StringComparison.Ordinal));
        data.Add("duplicate key", "/add_file", "{\"name\":\"a\",\"name\":\"b\"}");
        data.Add("keep_alive seq negative", "/keep_alive", $"{{\"guid\":\"{Guid}\",\"ka_seq_number\":-1}}");
        data.Add("keep_alive seq float", "/keep_alive", $"{{\"guid\":\"{Guid}\",\"ka_seq_number\":0.5}}");
        data.Add("keep_alive guid missing", "/keep_alive", "{\"ka_seq_number\":0}");
        data.Add("keep_alive guid null", "/keep_alive", "{\"guid\":null,\"ka_seq_number\":0}");
        data.Add("deregister file_id 0", "/deregister_file", $"{{\"guid\":\"{Guid}\",\"file_id\":0,\"seq_number\":1}}");
        data.Add("deregister file_id string", "/deregister_file", $"{{\"guid\":\"{Guid}\",\"file_id\":\"1\",\"seq_number\":1}}");
        data.Add("deregister hash 129", "/deregister_file_by_hash", $"{{\"guid\":\"{Guid}\",\"file_hash\":\"{new string('a', 129)}\",\"seq_number\":1}}");
        data.Add("deregister hash number", "/deregister_file_by_hash", $"{{\"guid\":\"{Guid}\",\"file_hash\":5,\"seq_number\":1}}");
        return data;
    }

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task A_request_out_of_bounds_is_refused_with_400_and_nothing_is_stored(string label, string path, string body)
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var guid = await hub.TrackerHttp.NewPeerWithFileAsync("existing");
        var method = path switch { "/add_file" => HttpMethod.Post, "/keep_alive" => HttpMethod.Put, _ => HttpMethod.Delete };
        var answer = await hub.TrackerHttp.SendAsync(method, path, body.Replace(Guid, guid, StringComparison.Ordinal));
        Assert.True(answer.Status == 400, $"{label}: {answer.Status} {answer.Body}");
        Assert.False(answer.Success);
        Assert.True(answer.Error.Length is > 0 and <= 1024, label);
        await AssertUnchangedAsync(hub, guid);
    }

    [Fact]
    public async Task A_body_over_16_MiB_is_refused_with_413_whether_declared_or_chunked()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var guid = await hub.TrackerHttp.NewPeerWithFileAsync("existing");
        var big = new byte[(16 * 1024 * 1024) + 1];
        Array.Fill(big, (byte)' ');
        big[0] = (byte)'{';
        big[^1] = (byte)'}';

        using (var declared = new HttpRequestMessage(HttpMethod.Post, "/add_file") { Content = new ByteArrayContent(big) })
        {
            declared.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await hub.TrackerHttp.SendAsync(declared);
            Assert.Equal(413, (int)response.StatusCode);
            Assert.Equal("""{"success":false,"error":"Request body too large"}""", await response.Content.ReadAsStringAsync());
        }

        using (var chunked = new HttpRequestMessage(HttpMethod.Post, "/add_file") { Content = new StreamContent(new MemoryStream(big)) })
        {
            chunked.Headers.TransferEncodingChunked = true;
            chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await hub.TrackerHttp.SendAsync(chunked);
            Assert.Equal(413, (int)response.StatusCode);
        }

        // Exactly at the limit is read (and is merely an invalid request).
        var atLimit = new byte[16 * 1024 * 1024];
        Array.Fill(atLimit, (byte)' ');
        atLimit[0] = (byte)'{';
        atLimit[^1] = (byte)'}';
        using (var ok = new HttpRequestMessage(HttpMethod.Post, "/add_file") { Content = new ByteArrayContent(atLimit) })
        {
            using var response = await hub.TrackerHttp.SendAsync(ok);
            Assert.Equal(400, (int)response.StatusCode);
        }

        await AssertUnchangedAsync(hub, guid);
    }

    [Fact]
    public async Task Json_is_accepted_with_a_charset_or_without_a_content_type()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var body = TrackerCalls.File("a", null, 0).ToJsonString();
        Assert.Equal(200, (await hub.TrackerHttp.SendAsync(HttpMethod.Post, "/add_file", body, "application/json; charset=utf-8")).Status);
        using var bare = new HttpRequestMessage(HttpMethod.Post, "/add_file") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(TrackerCalls.File("b", null, 0).ToJsonString())) };
        using var response = await hub.TrackerHttp.SendAsync(bare);
        Assert.Equal(200, (int)response.StatusCode);
        var three = TrackerCalls.File("c", null, 0);
        three["seq_number"] = 3.0;
        Assert.Equal(200, (await hub.TrackerHttp.AddFileAsync(three)).Status);
    }

    private static async Task AssertUnchangedAsync(TestHub hub, string guid)
    {
        var list = await hub.TrackerHttp.FetchAsync("/file_list");
        Assert.Equal("existing", Assert.Single(list.Json.GetProperty("files").EnumerateArray()).GetProperty("full_hash").GetString());
        var status = (await hub.TrackerHttp.FetchAsync($"/peer_status/{guid}")).Json;
        Assert.Equal(1, status.GetProperty("expected_seq_number").GetInt64());
        Assert.Equal(0, status.GetProperty("ka_expected_seq_number").GetInt64());
        var totals = await hub.Tracker!.Store.TotalsAsync(0, CancellationToken.None);
        Assert.Equal((1L, 1L, 1L), (totals.Files, totals.Peers, totals.Hosts));
    }
}

public sealed class TrackerBoundsOnSqliteTests : TrackerBoundsTests
{
    protected override Backend Backend => Backend.Sqlite;
}

public sealed class TrackerBoundsOnPostgresTests : TrackerBoundsTests
{
    protected override Backend Backend => Backend.Postgres;
}
