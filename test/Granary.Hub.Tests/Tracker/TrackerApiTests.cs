using System.Net.Sockets;
using System.Text.Json.Nodes;
using Granary.Hub.Tracker;
using Granary.Hub.Tracker.Federation;

namespace Granary.Hub.Tests.Tracker;

/// <summary>
/// The P2PFlix tracker API of ../shared/specs/tracker-api.md over real HTTP, section by section,
/// on SQLite and on PostgreSQL (the subclasses at the end). Keep-alive ages run on the test's clock.
/// </summary>
public abstract class TrackerApiTests
{
    protected abstract Backend Backend { get; }

    private Task<TestHub> StartAsync(Action<HubOptions>? configure = null) => TestHub.StartAsync(Backend, configure);

    [Fact]
    public async Task An_empty_tracker_lists_no_files_as_a_success()
    {
        await using var hub = await StartAsync();
        var list = await hub.TrackerHttp.FetchAsync("/file_list");
        Assert.Equal(200, list.Status);
        Assert.Equal("""{"success":true,"files":[]}""", list.Body);
        Assert.Equal("""{"success":true,"trackers":[]}""", (await hub.TrackerHttp.FetchAsync("/tracker_list")).Body);
    }

    [Fact]
    public async Task A_new_peer_adopts_its_sequence_number_and_gets_a_lower_case_guid()
    {
        await using var hub = await StartAsync();
        var hash = TrackerCalls.Hash("movie");
        var added = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File(hash, null, 7));
        Assert.Equal(200, added.Status);
        var guid = added.Json.GetProperty("guid").GetString()!;
        Assert.Equal(Guid.Parse(guid).ToString("D"), guid);
        Assert.Equal(1, added.Json.GetProperty("file_id").GetInt64());

        var status = await hub.TrackerHttp.FetchAsync($"/peer_status/{guid}");
        Assert.Equal(200, status.Status);
        Assert.Equal(8, status.Json.GetProperty("expected_seq_number").GetInt64());
        Assert.Equal(0, status.Json.GetProperty("ka_expected_seq_number").GetInt64());
        var file = Assert.Single(status.Json.GetProperty("files").EnumerateArray());
        Assert.Equal(hash, file.GetProperty("full_hash").GetString());

        // Matching is by UUID value: upper case and brace forms name the same peer.
        Assert.Equal(200, (await hub.TrackerHttp.FetchAsync($"/peer_status/{guid.ToUpperInvariant()}")).Status);
        Assert.Equal(200, (await hub.TrackerHttp.FetchAsync($"/peer_guid/{guid}")).Status);
    }

    [Fact]
    public async Task Sequence_numbers_must_match_exactly_and_a_refusal_changes_nothing()
    {
        await using var hub = await StartAsync();
        var guid = await hub.TrackerHttp.NewPeerWithFileAsync(TrackerCalls.Hash("a"), seq: 3);
        foreach (var sent in new long[] { 3, 5, 0 })
        {
            var refused = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File(TrackerCalls.Hash("b"), guid, sent));
            Assert.Equal(409, refused.Status);
            Assert.Equal($"Tracker is expecting sequence number 4 (sequence number {sent} was sent)", refused.Error);
        }

        Assert.Equal(1, await hub.TrackerHttp.FileCountAsync());
        var accepted = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File(TrackerCalls.Hash("b"), guid, 4));
        Assert.Equal(200, accepted.Status);
        Assert.Equal(guid, accepted.Json.GetProperty("guid").GetString());
        Assert.Equal(5, (await hub.TrackerHttp.FetchAsync($"/peer_status/{guid}")).Json.GetProperty("expected_seq_number").GetInt64());

        // Keep-alives have their own counter, starting at 0 even for a peer created at seq 3.
        var ka = await hub.TrackerHttp.KeepAliveAsync(guid, 1);
        Assert.Equal(409, ka.Status);
        Assert.Equal("Tracker is expecting keep_alive sequence number 0 (sequence number 1 was sent)", ka.Error);
        Assert.Equal(200, (await hub.TrackerHttp.KeepAliveAsync(guid, 0)).Status);
        var status = (await hub.TrackerHttp.FetchAsync($"/peer_status/{guid}")).Json;
        Assert.Equal(5, status.GetProperty("expected_seq_number").GetInt64());
        Assert.Equal(1, status.GetProperty("ka_expected_seq_number").GetInt64());
    }

    [Fact]
    public async Task Unknown_peers_are_told_so_in_the_originals_words()
    {
        await using var hub = await StartAsync();
        var nobody = Guid.NewGuid().ToString();
        var add = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File("abc", nobody, 0));
        Assert.Equal((404, $"Peer with guid {nobody} does not exist"), (add.Status, add.Error));
        var ka = await hub.TrackerHttp.KeepAliveAsync("not-a-guid", 0);
        Assert.Equal((404, "Peer with guid not-a-guid does not exist"), (ka.Status, ka.Error));
        var gone = await hub.TrackerHttp.DeregisterByHashAsync(nobody, "abc", 0);
        Assert.Equal((404, $"Peer with guid {nobody} does not exist"), (gone.Status, gone.Error));
        var status = await hub.TrackerHttp.FetchAsync("/peer_status/not-a-guid");
        Assert.Equal((404, "No peer with guid not-a-guid is known to tracker"), (status.Status, status.Error));
        Assert.Equal(400, (await hub.TrackerHttp.FetchAsync("/peer_status/" + new string('a', 65))).Status);
        Assert.Equal(0, await hub.TrackerHttp.FileCountAsync());
    }

    [Fact]
    public async Task A_peer_counts_as_active_only_within_the_keep_alive_timeout()
    {
        await using var hub = await StartAsync();
        var hash = TrackerCalls.Hash("seeded");
        var guid = await hub.TrackerHttp.NewPeerWithFileAsync(hash);

        // add_file does not mean seeding: no keep-alive yet, so no host is online.
        var before = await hub.TrackerHttp.FetchAsync("/file/1");
        Assert.Equal((404, "File has no hosting peers currently online"), (before.Status, before.Error));
        Assert.Equal(404, (await hub.TrackerHttp.FetchAsync($"/file_by_hash/{hash}")).Status);
        Assert.Equal(0, (await hub.TrackerHttp.FetchAsync("/file_list")).Json.GetProperty("files")[0].GetProperty("active_peers").GetInt64());

        Assert.Equal(200, (await hub.TrackerHttp.KeepAliveAsync(guid, 0)).Status);
        var file = await hub.TrackerHttp.FetchAsync($"/file_by_hash/{hash}");
        Assert.Equal(200, file.Status);
        Assert.Equal("127.0.0.1", Assert.Single(file.Json.GetProperty("peers").EnumerateArray()).GetProperty("ip").GetString());
        Assert.Equal(hash, file.Json.GetProperty("full_hash").GetString());
        Assert.Equal(1, (await hub.TrackerHttp.FetchAsync("/file_list")).Json.GetProperty("files")[0].GetProperty("active_peers").GetInt64());

        hub.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(200, (await hub.TrackerHttp.FetchAsync("/file/1")).Status);
        hub.Time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(404, (await hub.TrackerHttp.FetchAsync("/file/1")).Status);

        // Expiry removes nothing: the file stays listed with no active peer.
        var list = (await hub.TrackerHttp.FetchAsync("/file_list")).Json.GetProperty("files");
        Assert.Equal(0, Assert.Single(list.EnumerateArray()).GetProperty("active_peers").GetInt64());
        Assert.Equal(200, (await hub.TrackerHttp.KeepAliveAsync(guid, 1)).Status);
        Assert.Equal(200, (await hub.TrackerHttp.FetchAsync("/file/1")).Status);
    }

    [Fact]
    public async Task The_keep_alive_timeout_is_configurable()
    {
        await using var hub = await StartAsync(o => o.Tracker.KeepAliveTimeoutSeconds = 300);
        var guid = await hub.TrackerHttp.NewPeerWithFileAsync("h1");
        Assert.Equal(200, (await hub.TrackerHttp.KeepAliveAsync(guid, 0)).Status);
        hub.Time.Advance(TimeSpan.FromSeconds(299));
        Assert.Equal(200, (await hub.TrackerHttp.FetchAsync("/file/1")).Status);
        hub.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(404, (await hub.TrackerHttp.FetchAsync("/file/1")).Status);
    }

    [Fact]
    public async Task A_second_host_joins_a_known_file_whose_first_name_and_chunks_stay()
    {
        await using var hub = await StartAsync();
        var first = await hub.TrackerHttp.NewPeerWithFileAsync("samehash");
        var second = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File("samehash", null, 0, name: "other-name.mp4", chunkHashKey: "chunk_hash"));
        Assert.Equal(200, second.Status);
        Assert.Equal(1, second.Json.GetProperty("file_id").GetInt64());
        var secondGuid = second.Json.GetProperty("guid").GetString()!;
        Assert.Equal(200, (await hub.TrackerHttp.KeepAliveAsync(first, 0)).Status);
        Assert.Equal(200, (await hub.TrackerHttp.KeepAliveAsync(secondGuid, 0)).Status);
        var file = (await hub.TrackerHttp.FetchAsync("/file/1")).Json;
        Assert.Equal("samehash.mp4", file.GetProperty("name").GetString());
        Assert.Equal(2, file.GetProperty("peers").GetArrayLength()); // one entry per guid, same IP twice
        Assert.Equal(2, (await hub.TrackerHttp.FetchAsync("/file_list")).Json.GetProperty("files")[0].GetProperty("active_peers").GetInt64());

        var dup = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File("samehash", first, 1));
        Assert.Equal((409, $"Peer with guid {first} (you) is already hosting this file"), (dup.Status, dup.Error));
        var other = TrackerCalls.File("samehash", secondGuid, 1);
        other["chunks"]![0]!["hash"] = "different";
        var mismatch = await hub.TrackerHttp.AddFileAsync(other);
        Assert.Equal((409, "File invalid, chunks do not match tracker version"), (mismatch.Status, mismatch.Error));
        var fewer = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File("samehash", secondGuid, 1, chunks: 2));
        Assert.Equal(409, fewer.Status);

        // A new peer whose add fails leaves no orphan peer behind.
        var orphan = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File("samehash", null, 0, chunks: 1));
        Assert.Equal(409, orphan.Status);
        Assert.Equal(1, (await hub.TrackerHttp.FetchAsync($"/peer_status/{secondGuid}")).Json.GetProperty("expected_seq_number").GetInt64());
    }

    [Fact]
    public async Task Chunks_come_back_sorted_by_id_with_chunk_hash_and_either_input_key()
    {
        await using var hub = await StartAsync();
        var body = new JsonObject
        {
            ["name"] = "f", ["full_hash"] = "fh", ["guid"] = null, ["seq_number"] = 0,
            ["chunks"] = new JsonArray(
                new JsonObject { ["id"] = 2, ["name"] = "c2", ["hash"] = "h2" },
                new JsonObject { ["id"] = 0, ["name"] = "c0", ["chunk_hash"] = "h0" },
                new JsonObject { ["id"] = 1, ["name"] = "c1", ["hash"] = "h1", ["chunk_hash"] = "h1" }),
        };
        var guid = (await hub.TrackerHttp.AddFileAsync(body)).Json.GetProperty("guid").GetString()!;
        await hub.TrackerHttp.KeepAliveAsync(guid, 0);
        var file = await hub.TrackerHttp.FetchAsync("/file/1");
        Assert.Equal(
            """{"success":true,"name":"f","file_hash":"fh","full_hash":"fh","peers":[{"ip":"127.0.0.1"}],"chunks":[{"id":0,"name":"c0","chunk_hash":"h0"},{"id":1,"name":"c1","chunk_hash":"h1"},{"id":2,"name":"c2","chunk_hash":"h2"}]}""",
            file.Body);

        body["chunks"]![2]!["chunk_hash"] = "other";
        body["full_hash"] = "fh2";
        var conflict = await hub.TrackerHttp.AddFileAsync(body);
        Assert.Equal(400, conflict.Status);
        Assert.StartsWith("Invalid request:", conflict.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deregistering_the_last_host_deletes_the_file_and_its_chunks_and_ids_are_never_reused()
    {
        await using var hub = await StartAsync();
        var guid = await hub.TrackerHttp.NewPeerWithFileAsync("one", seq: 0);
        var second = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File("two", guid, 1, chunks: 5));
        Assert.Equal(2, second.Json.GetProperty("file_id").GetInt64());

        var wrongId = await hub.TrackerHttp.DeregisterByIdAsync(guid, 99, 2);
        Assert.Equal((404, $"No peer with guid {guid} is currently hosting file with id 99"), (wrongId.Status, wrongId.Error));
        var wrongHash = await hub.TrackerHttp.DeregisterByHashAsync(guid, "zzz", 2);
        Assert.Equal((404, $"No peer with guid {guid} is currently hosting file with hash zzz"), (wrongHash.Status, wrongHash.Error));
        var staleSeq = await hub.TrackerHttp.DeregisterByIdAsync(guid, 2, 1);
        Assert.Equal(409, staleSeq.Status);

        Assert.Equal(200, (await hub.TrackerHttp.DeregisterByIdAsync(guid, 2, 2)).Status);
        Assert.Equal(200, (await hub.TrackerHttp.DeregisterByHashAsync(guid, "one", 3)).Status);
        Assert.Equal(0, await hub.TrackerHttp.FileCountAsync());
        Assert.Equal(404, (await hub.TrackerHttp.FetchAsync("/file/2")).Status);

        // A later file gets a new id and only its own chunks.
        var again = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File("three", guid, 4, chunks: 1));
        Assert.Equal(3, again.Json.GetProperty("file_id").GetInt64());
        await hub.TrackerHttp.KeepAliveAsync(guid, 0);
        Assert.Equal(1, (await hub.TrackerHttp.FetchAsync("/file/3")).Json.GetProperty("chunks").GetArrayLength());
        Assert.Equal(5, (await hub.TrackerHttp.FetchAsync($"/peer_status/{guid}")).Json.GetProperty("expected_seq_number").GetInt64());
    }

    [Theory]
    [InlineData("/file/not-a-number", "File with id not-a-number does not exist")]
    [InlineData("/file/-1", "File with id -1 does not exist")]
    [InlineData("/file/0", "File with id 0 does not exist")]
    [InlineData("/file/12345678901234567890123456", "File with id 12345678901234567890123456 does not exist")]
    [InlineData("/file_by_hash/nothing", "File with hash nothing does not exist")]
    public async Task Malformed_or_unknown_path_parameters_get_the_json_error(string path, string error)
    {
        await using var hub = await StartAsync();
        var answer = await hub.TrackerHttp.FetchAsync(path);
        Assert.Equal((404, error), (answer.Status, answer.Error));
        Assert.Equal(400, (await hub.TrackerHttp.FetchAsync("/file_by_hash/" + new string('a', 129))).Status);
    }

    [Fact]
    public async Task Routing_errors_are_json_too()
    {
        await using var hub = await StartAsync();
        var missing = await hub.TrackerHttp.FetchAsync("/nothing/here");
        Assert.Equal((404, false), (missing.Status, missing.Success));
        var wrong = await hub.TrackerHttp.SendAsync(HttpMethod.Post, "/file_list", "{}");
        Assert.Equal((405, false), (wrong.Status, wrong.Success));
        var get = await hub.TrackerHttp.FetchAsync("/add_file");
        Assert.Equal(405, get.Status);
    }

    [Fact]
    public async Task Echoed_client_text_is_bounded()
    {
        await using var hub = await StartAsync();
        var answer = await hub.TrackerHttp.FetchAsync("/file/" + new string('x', 3000));
        Assert.Equal(404, answer.Status);
        Assert.True(answer.Error.Length < 200, answer.Error);
        Assert.Contains(new string('x', 128) + "…", answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_legacy_switch_answers_everything_with_200_and_the_same_body()
    {
        await using var hub = await StartAsync(o => o.Tracker.LegacyHttpStatus = true);
        var unknown = await hub.TrackerHttp.FetchAsync("/file/5");
        Assert.Equal((200, "File with id 5 does not exist"), (unknown.Status, unknown.Error));
        var notJson = await hub.TrackerHttp.SendAsync(HttpMethod.Post, "/add_file", "nope");
        Assert.Equal((200, "Request is not JSON"), (notJson.Status, notJson.Error));
        var guid = await hub.TrackerHttp.NewPeerWithFileAsync("h");
        var seq = await hub.TrackerHttp.AddFileAsync(TrackerCalls.File("h2", guid, 5));
        Assert.Equal((200, false), (seq.Status, seq.Success));
        Assert.Equal(404, (await hub.TrackerHttp.FetchAsync("/no/route")).Status);
    }

    [Fact]
    public async Task An_ipv4_client_of_a_dual_stack_listener_is_recorded_as_plain_ipv4()
    {
        if (!Socket.OSSupportsIPv6)
        {
            Assert.Fail("this test needs IPv6 (a dual-stack loopback)");
        }

        await using var hub = await TestHub.StartAsync(Backend, o => o.Tracker.Urls = "http://[::]:42070", new TrackerHostOptions { Port = 0 });
        using var v4 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{hub.Tracker!.Url.Port}/") };
        var guid = await v4.NewPeerWithFileAsync("dual");
        Assert.Equal(200, (await v4.KeepAliveAsync(guid, 0)).Status);
        var peers = (await v4.FetchAsync("/file/1")).Json.GetProperty("peers");
        Assert.Equal("127.0.0.1", Assert.Single(peers.EnumerateArray()).GetProperty("ip").GetString());
    }

    [Fact]
    public async Task Concurrent_requests_of_fifty_peers_neither_lose_nor_double_a_sequence_number()
    {
        await using var hub = await StartAsync();
        const int Peers = 50;
        const int Rounds = 6;
        var guids = new string[Peers];
        for (var p = 0; p < Peers; p++)
        {
            guids[p] = await hub.TrackerHttp.NewPeerWithFileAsync($"peer{p}file0");
        }

        // Every round each peer sends the same add_file and keep_alive twice at once: exactly one of each pair may pass.
        var wins = new int[Peers];
        var kaWins = new int[Peers];
        await Parallel.ForAsync(0, Peers, new ParallelOptions { MaxDegreeOfParallelism = Peers }, async (p, _) =>
        {
            for (var r = 1; r <= Rounds; r++)
            {
                var body = TrackerCalls.File($"peer{p}file{r}", guids[p], r);
                var answers = await Task.WhenAll(
                    hub.TrackerHttp.AddFileAsync(body), hub.TrackerHttp.AddFileAsync(body),
                    hub.TrackerHttp.KeepAliveAsync(guids[p], r - 1), hub.TrackerHttp.KeepAliveAsync(guids[p], r - 1));
                Assert.All(answers, a => Assert.True(a.Status is 200 or 409, a.Body));
                Interlocked.Add(ref wins[p], answers[..2].Count(a => a.Status == 200));
                Interlocked.Add(ref kaWins[p], answers[2..].Count(a => a.Status == 200));
            }
        });

        Assert.All(wins, w => Assert.Equal(Rounds, w));
        Assert.All(kaWins, w => Assert.Equal(Rounds, w));
        for (var p = 0; p < Peers; p++)
        {
            var status = (await hub.TrackerHttp.FetchAsync($"/peer_status/{guids[p]}")).Json;
            Assert.Equal(Rounds + 1, status.GetProperty("expected_seq_number").GetInt64());
            Assert.Equal(Rounds, status.GetProperty("ka_expected_seq_number").GetInt64());
            Assert.Equal(Rounds + 1, status.GetProperty("files").GetArrayLength());
        }

        Assert.Equal(Peers * (Rounds + 1), await hub.TrackerHttp.FileCountAsync());
    }

    [Fact]
    public async Task A_file_list_of_many_files_streams_in_id_order()
    {
        await using var hub = await StartAsync();
        var guid = await hub.TrackerHttp.NewPeerWithFileAsync("f0");
        for (var i = 1; i < 2500; i++)
        {
            Assert.Equal(200, (await hub.TrackerHttp.AddFileAsync(TrackerCalls.File($"f{i}", guid, i, chunks: 1))).Status);
        }

        var ids = (await hub.TrackerHttp.FetchAsync("/file_list")).Json.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, 2500).Select(i => (long)i), ids);
    }

    [Fact]
    public async Task A_file_list_is_sent_while_it_is_produced_so_a_file_added_while_the_reader_waits_comes_last()
    {
        await using var hub = await StartAsync();
        var peer = new SnapshotPeer(Guid.NewGuid().ToString(), "10.0.0.1", 1, 0, null);
        var files = Enumerable.Range(0, 100_000).Select(i => new SnapshotFile(
            $"file{i:D6}", $"movie {i}.mp4", [new ChunkSpec(0, $"file{i:D6}#0", $"c{i}")], [peer.Guid])).ToList();
        await hub.Tracker!.Store.LoadSnapshotAsync(new TrackerSnapshot("seed", 0, [peer], files), "seed", CancellationToken.None);

        // A reader with a 4 KiB receive window that takes the first bytes and then waits. The list is
        // about 7.6 MB, more than the socket buffers in between hold, so a hub that streams is still
        // paging through its files when the reader goes on; one that built the whole answer first is done.
        using var reader = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = hub.Tracker.Url, Timeout = TimeSpan.FromMinutes(2) };
        using var response = await reader.GetAsync("/file_list", HttpCompletionOption.ResponseHeadersRead);
        Assert.Null(response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[1024];
        await body.ReadExactlyAsync(first);

        Assert.Equal(200, (await hub.TrackerHttp.AddFileAsync(TrackerCalls.File("latecomer", null, 0))).Status);
        using var rest = new MemoryStream();
        rest.Write(first);
        await body.CopyToAsync(rest);
        rest.Position = 0;
        using var list = await System.Text.Json.JsonDocument.ParseAsync(rest);
        var listed = list.RootElement.GetProperty("files");
        Assert.Equal(100_001, listed.GetArrayLength());
        Assert.Equal("latecomer", listed[100_000].GetProperty("full_hash").GetString());
    }
}

public sealed class TrackerApiOnSqliteTests : TrackerApiTests
{
    protected override Backend Backend => Backend.Sqlite;
}

public sealed class TrackerApiOnPostgresTests : TrackerApiTests
{
    protected override Backend Backend => Backend.Postgres;
}
