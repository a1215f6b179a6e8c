using System.Text;
using System.Text.Json;
using Granary.Core.Identity;

namespace Granary.Hub.Tests.Downstream;

/// <summary>
/// The downstream node API of ../shared/specs/proofs-of-storage.md §2 over real HTTP, on SQLite and
/// on PostgreSQL (the subclasses at the end): a farmer's whole cycle, each route's statuses and
/// texts, and the contract schedule on the test's clock.
/// </summary>
public abstract class DownstreamApiTests
{
    private const string Root = DownstreamFarmer.Root;
    private const int ChunkSize = 64 * 1024;
    private const int Interval = 15;

    protected abstract Backend Backend { get; }

    private Task<TestHub> StartAsync(Action<Granary.Hub.Downstream.DownstreamOptions>? configure = null) => TestHub.StartAsync(Backend, options =>
    {
        options.Downstream.TestChunkSize = ChunkSize;
        options.Downstream.ContractIntervalSeconds = Interval;
        options.Downstream.MaxTokensPerIp = 0;
        configure?.Invoke(options.Downstream);
    });

    private static string Error(string message) => $"{{\n  \"message\": \"{message}\",\n  \"status\": \"error\"\n}}";

    [Fact]
    public async Task The_hub_root_and_the_node_root_answer_2xx()
    {
        await using var hub = await StartAsync();
        Assert.Equal(200, (await hub.GetAsync("/")).Status);
        var root = await hub.GetAsync($"{Root}/");
        Assert.Equal(200, root.Status);
        Assert.Equal("{\n  \"msg\": \"ok\"\n}", root.Body);
        Assert.Equal("application/json", root.Response.Content.Headers.ContentType!.MediaType);
        var bare = await hub.GetAsync(Root);
        Assert.Equal(308, bare.Status);
        Assert.Equal($"{Root}/", bare.Response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_new_token_is_checked_in_the_nodes_order_with_its_texts()
    {
        await using var hub = await StartAsync();
        using var disk = new TempDirectory("farmer");
        var farmer = new DownstreamFarmer(hub, disk);
        var key = PrivateKey.Generate();
        var address = key.Address.ToString();
        var good = BitcoinMessage.Sign(key, "hello");

        var get = await hub.GetAsync($"{Root}/new/{address}");
        Assert.Equal((400, Error("New token requests must include posted signature proving ownership of farming address")), (get.Status, get.Body));

        const string notAnObject = "Posted data must be JSON encoded object including \\\"signature\\\" and \\\"message\\\"";
        foreach (var content in new[]
        {
            DownstreamFarmer.Json("not json"),
            DownstreamFarmer.Json("null"),
            DownstreamFarmer.Json("""{"message": "hello"}"""),
            DownstreamFarmer.Json("""{"message": 5, "signature": "x"}"""),
            new StringContent(JsonSerializer.Serialize(new { message = "hello", signature = good }), Encoding.UTF8, "text/plain"),
        })
        {
            var response = await hub.Http.PostAsync($"{Root}/new/{address}", content);
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Equal(Error(notAnObject), await response.Content.ReadAsStringAsync());
        }

        Assert.Equal((400, Error("Please restrict your message to less than 1024 bytes.")), await farmer.NewTokenAsync(address, new string('m', 1025), good));
        // Exactly 1024 characters passes that check and stops at the next.
        Assert.Equal((400, Error("Your signature is the wrong length.  It should be 88bytes.")), await farmer.NewTokenAsync(address, new string('m', 1024), good[..87]));

        // A signature by another key, a message it does not sign, a P2SH or broken address: all refused, none a 500.
        var forged = BitcoinMessage.Sign(PrivateKey.Generate(), "hello");
        Assert.Equal((400, Error("Signature invalid.")), await farmer.NewTokenAsync(address, "hello", forged));
        Assert.Equal((400, Error("Signature invalid.")), await farmer.NewTokenAsync(address, "hello!", good));
        Assert.Equal((400, Error("Signature invalid.")), await farmer.NewTokenAsync("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "hello", good));
        // The last character changed (to one it is not: a random address ends in 'x' one time in 58).
        Assert.Equal((400, Error("Signature invalid.")), await farmer.NewTokenAsync(address[..^1] + (address[^1] == 'x' ? "y" : "x"), "hello", good));
        Assert.Equal((400, Error("Signature invalid.")), await farmer.NewTokenAsync(address, "hello", new string('!', 88)));

        var (status, body) = await farmer.NewTokenAsync(DownstreamFarmer.KatAddress, DownstreamFarmer.KatMessage, DownstreamFarmer.KatSignature);
        Assert.Equal(200, status);
        var token = JsonDocument.Parse(body).RootElement.GetProperty("token").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", token);
        Assert.Equal($"{{\n  \"heartbeat\": {{\n    \"check_fraction\": 0.01,\n    \"key\": \"\"\n  }},\n  \"token\": \"{token}\",\n  \"type\": \"Merkle\"\n}}", body);

        var heartbeat = await hub.GetAsync($"{Root}/heartbeat/{token}");
        Assert.Equal((200, body), (heartbeat.Status, heartbeat.Body));
        var unknown = await hub.GetAsync($"{Root}/heartbeat/{new string('0', 32)}");
        Assert.Equal((404, Error("Nonexistent token.")), (unknown.Status, unknown.Body));
    }

    [Fact]
    public async Task The_whitelist_and_the_tokens_per_ip_limit_refuse_with_the_nodes_texts()
    {
        await using var hub = await StartAsync(options =>
        {
            options.Whitelist = [DownstreamFarmer.KatAddress];
            options.MaxTokensPerIp = 2;
        });
        using var disk = new TempDirectory("farmer");
        var farmer = new DownstreamFarmer(hub, disk);
        var key = PrivateKey.Generate();
        Assert.Equal(
            (400, Error("Invalid address given: address must be in whitelist.")),
            await farmer.NewTokenAsync(key.Address.ToString(), "m", BitcoinMessage.Sign(key, "m")));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(200, (await farmer.NewTokenAsync(DownstreamFarmer.KatAddress, DownstreamFarmer.KatMessage, DownstreamFarmer.KatSignature)).Status);
        }

        Assert.Equal(
            (400, Error("IP Disallowed, only 2 tokens are permitted per IP address")),
            await farmer.NewTokenAsync(DownstreamFarmer.KatAddress, DownstreamFarmer.KatMessage, DownstreamFarmer.KatSignature));
    }

    [Fact]
    public async Task A_farmer_takes_contracts_proves_them_from_disk_and_is_challenged_each_interval()
    {
        await using var hub = await StartAsync();
        using var disk = new TempDirectory("farmer");
        var farmer = await new DownstreamFarmer(hub, disk).RegisterAsync();

        var (body, ids) = await farmer.TakeChunksAsync((3 * ChunkSize) + 100);
        Assert.Equal(3, ids.Count);
        Assert.StartsWith("{\"chunks\": [{\"seed\": \"", body, StringComparison.Ordinal);
        var first = JsonDocument.Parse(body).RootElement.GetProperty("chunks")[0];
        Assert.Equal(["seed", "size", "file_hash", "challenge", "tag", "due"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(ChunkSize, first.GetProperty("size").GetInt64());
        Assert.Equal(15.0, first.GetProperty("due").GetDouble());
        Assert.Contains("\"due\": 15.0}", body, StringComparison.Ordinal);
        Assert.Equal(0, first.GetProperty("challenge").GetProperty("index").GetInt32());
        Assert.Equal(512, first.GetProperty("tag").GetProperty("tree").GetProperty("nodes").GetArrayLength());

        // The farmer's POST /answer says gzip; the body is plain JSON and must be read as it is.
        var (status, answerBody, report) = await farmer.AnswerAsync([.. ids]);
        Assert.Equal(200, status);
        Assert.Equal($"{{\"report\": [{string.Join(", ", ids.Select(id => $"{{\"file_hash\": {id}, \"status\": \"ok\"}}"))}]}}", answerBody);
        Assert.Equal(3, report.GetArrayLength());

        // Before the due time the answered challenge comes back; at it, the next one, due an interval on.
        var (_, early) = await farmer.ChallengeAsync($"[{ids[0]}]");
        Assert.True(early[0].GetProperty("answered").GetBoolean());
        Assert.Equal(0, early[0].GetProperty("challenge").GetProperty("index").GetInt32());
        hub.Time.Advance(TimeSpan.FromSeconds(Interval + 2));
        var (raw, next) = await farmer.ChallengeAsync($"[{string.Join(", ", ids)}]");
        Assert.StartsWith($"{{\"challenges\": [{{\"file_hash\": {ids[0]}, \"challenge\": {{\"seed\": \"", raw, StringComparison.Ordinal);
        Assert.All(next.EnumerateArray(), entry =>
        {
            Assert.False(entry.GetProperty("answered").GetBoolean());
            Assert.Equal(1, entry.GetProperty("challenge").GetProperty("index").GetInt32());
            // Due at hand-out + 2 intervals, however late the farmer asked: 13 seconds from now.
            Assert.Equal(Interval - 2, entry.GetProperty("due").GetDouble());
        });
        Assert.All((await farmer.AnswerAsync([.. ids])).Report.EnumerateArray(), entry => Assert.Equal("ok", entry.GetProperty("status").GetString()));

        var farmers = await hub.GetAsync($"{Root}/status/list/");
        Assert.Equal(200, farmers.Status);
        var listed = Assert.Single(JsonDocument.Parse(farmers.Body).RootElement.GetProperty("farmers").EnumerateArray());
        Assert.Equal(6, listed.GetProperty("heartbeats").GetInt64());
        Assert.Equal(3, listed.GetProperty("contracts").GetInt64());
        Assert.Equal(3 * ChunkSize, listed.GetProperty("size").GetInt64());
        Assert.Equal(1, listed.GetProperty("online").GetInt32());
        Assert.Equal(100.0, listed.GetProperty("uptime").GetDouble());
        Assert.Equal("Sat, 21 Nov 2026 18:27:56 GMT", listed.GetProperty("last_due").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("location").GetProperty("country").ValueKind);

        var shown = await hub.GetAsync($"{Root}/status/show/{listed.GetProperty("id").GetString()}");
        Assert.Equal(200, shown.Status);
        var show = JsonDocument.Parse(shown.Body).RootElement;
        Assert.True(show.GetProperty("online").GetBoolean());
        Assert.Equal("2026-11-21T18:27:56", show.GetProperty("last_due").GetString());
        Assert.Equal(1700.0, show.GetProperty("uptime").GetDouble()); // 17 s online, times 100: the node's bug
    }

    [Fact]
    public async Task A_farmer_that_deleted_its_chunk_fails_the_next_challenge_and_then_expires()
    {
        await using var hub = await StartAsync();
        using var disk = new TempDirectory("farmer");
        var farmer = await new DownstreamFarmer(hub, disk).RegisterAsync();
        var id = Assert.Single((await farmer.TakeChunksAsync(ChunkSize)).Ids);
        Assert.Equal("ok", (await farmer.AnswerAsync(id)).Report[0].GetProperty("status").GetString());

        await File.WriteAllBytesAsync(farmer.ChunkPath(id), new byte[ChunkSize]);
        hub.Time.Advance(TimeSpan.FromSeconds(Interval));
        await farmer.ChallengeAsync($"[{id}]");
        var failed = (await farmer.AnswerAsync(id)).Body;
        Assert.Equal($"{{\"report\": [{{\"file_hash\": {id}, \"error\": \"Invalid proof\"}}]}}", failed);

        hub.Time.Advance(TimeSpan.FromSeconds(Interval));
        var (expired, _) = await farmer.ChallengeAsync($"[{id}]");
        Assert.Equal($"{{\"challenges\": [{{\"file_hash\": {id}, \"error\": \"contract expired\"}}]}}", expired);
    }

    [Fact]
    public async Task An_answer_after_the_due_time_fails_and_the_contract_stays_expired()
    {
        await using var hub = await StartAsync();
        using var disk = new TempDirectory("farmer");
        var farmer = await new DownstreamFarmer(hub, disk).RegisterAsync();
        var id = Assert.Single((await farmer.TakeChunksAsync(ChunkSize)).Ids);
        hub.Time.Advance(TimeSpan.FromSeconds(Interval) + TimeSpan.FromMilliseconds(1));
        Assert.Equal("Answer failed: contract expired.", (await farmer.AnswerAsync(id)).Report[0].GetProperty("error").GetString());
        Assert.Equal("contract expired", (await farmer.ChallengeAsync($"[{id}]")).Challenges[0].GetProperty("error").GetString());
        var list = await hub.GetAsync($"{Root}/status/list/online/");
        Assert.Equal("{\n  \"farmers\": []\n}", list.Body);
    }

    [Fact]
    public async Task A_chunk_runs_out_after_its_256_challenges()
    {
        await using var hub = await StartAsync(options => options.TestChunkSize = 4096);
        using var disk = new TempDirectory("farmer");
        var farmer = await new DownstreamFarmer(hub, disk).RegisterAsync();
        var id = Assert.Single((await farmer.TakeChunksAsync(4096)).Ids);
        for (var index = 0; index < 256; index++)
        {
            Assert.Equal(index, farmer.Contracts[id].Challenge.Index);
            Assert.Equal("ok", (await farmer.AnswerAsync(id)).Report[0].GetProperty("status").GetString());
            hub.Time.Advance(TimeSpan.FromSeconds(Interval));
            await farmer.ChallengeAsync($"[{id}]");
        }

        var (body, _) = await farmer.ChallengeAsync($"[{id}]");
        Assert.Equal($"{{\"challenges\": [{{\"file_hash\": {id}, \"status\": \"no more challenges\"}}]}}", body);
    }

    [Fact]
    public async Task A_replayed_answer_is_refused()
    {
        await using var hub = await StartAsync();
        using var disk = new TempDirectory("farmer");
        var farmer = await new DownstreamFarmer(hub, disk).RegisterAsync();
        var id = Assert.Single((await farmer.TakeChunksAsync(ChunkSize)).Ids);
        var proof = farmer.Proof(id);
        var answer = $$"""{"proofs": [{"file_hash": {{id}}, "proof": {{proof}}}]}""";
        Assert.Equal("ok", (await farmer.PostAnswersAsync(answer)).Report[0].GetProperty("status").GetString());
        Assert.Equal("Challenge already answered.", (await farmer.PostAnswersAsync(answer)).Report[0].GetProperty("error").GetString());

        // Once the next challenge runs, the old proof answers nothing.
        hub.Time.Advance(TimeSpan.FromSeconds(Interval));
        await farmer.ChallengeAsync($"[{id}]");
        Assert.Equal("Invalid proof", (await farmer.PostAnswersAsync(answer)).Report[0].GetProperty("error").GetString());
        Assert.Equal("ok", (await farmer.AnswerAsync(id)).Report[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Bulk_bodies_stop_silently_at_the_first_item_the_node_could_not_read()
    {
        await using var hub = await StartAsync();
        using var disk = new TempDirectory("farmer");
        var farmer = await new DownstreamFarmer(hub, disk).RegisterAsync();
        var other = await new DownstreamFarmer(hub, disk).RegisterAsync();
        var ids = (await farmer.TakeChunksAsync(2 * ChunkSize)).Ids;
        var foreign = Assert.Single((await other.TakeChunksAsync(ChunkSize)).Ids);

        var (body, _) = await farmer.ChallengeAsync($"""[{ids[0]}, "{ids[0]}", "{ids[1]}", 99999, "99998", {foreign}, "x", {ids[1]}]""");
        var entries = JsonDocument.Parse(body).RootElement.GetProperty("challenges");
        Assert.Equal([ids[0], ids[1]], entries.EnumerateArray().Take(2).Select(e => e.GetProperty("file_hash").GetInt64()));
        Assert.Equal(", {\"file_hash\": 99999, \"error\": \"contract not found\"}, {\"file_hash\": \"99998\", \"error\": \"contract not found\"}, {\"file_hash\": " + foreign + ", \"error\": \"contract not found\"}]}", body[body.IndexOf(", {\"file_hash\": 99999", StringComparison.Ordinal)..]);

        var truncated = await hub.Http.PostAsync($"{Root}/challenge/{farmer.Token}", DownstreamFarmer.Json($"{{\"hashes\": [{ids[1]}, {ids[0]}, {{"));
        Assert.Equal(200, (int)truncated.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(await truncated.Content.ReadAsStringAsync()).RootElement.GetProperty("challenges").GetArrayLength());
        var garbage = await hub.Http.PostAsync($"{Root}/challenge/{farmer.Token}", DownstreamFarmer.Json("}{"));
        Assert.Equal("{\"challenges\": []}", await garbage.Content.ReadAsStringAsync());
        var all = await hub.GetAsync($"{Root}/challenge/{farmer.Token}");
        Assert.Equal(ids, JsonDocument.Parse(all.Body).RootElement.GetProperty("challenges").EnumerateArray().Select(e => e.GetProperty("file_hash").GetInt64()));

        var report = (await farmer.PostAnswersAsync(
            "{\"proofs\": [{\"file_hash\": " + ids[0] + ", \"proof\": \"nonsense\"}, {\"file_hash\": " + foreign + ", \"proof\": {}}, "
            + "{\"file_hash\": " + ids[1] + ", \"proof\": {\"leaf\": {\"index\": 0, \"blob\": \"!!!\"}, \"branch\": {\"rows\": []}}}, "
            + "{\"proof\": {}}, {\"file_hash\": " + ids[1] + ", \"proof\": {}}]}")).Body;
        Assert.Equal(
            $"{{\"report\": [{{\"file_hash\": {ids[0]}, \"error\": \"Proof corrupted\"}}, {{\"file_hash\": {foreign}, \"error\": \"contract not found\"}}, {{\"file_hash\": {ids[1]}, \"error\": \"Invalid proof\"}}]}}",
            report);
    }

    [Fact]
    public async Task Unknown_tokens_routes_and_methods_get_the_nodes_answers()
    {
        await using var hub = await StartAsync();
        var nobody = new string('a', 32);
        foreach (var path in new[] { $"/chunk/{nobody}", $"/chunk/{nobody}/100", $"/challenge/{nobody}", "/chunk/short" })
        {
            var response = await hub.GetAsync(Root + path);
            Assert.Equal((400, Error("Nonexistent token.")), (response.Status, response.Body));
        }

        var answer = await hub.Http.PostAsync($"{Root}/answer/{nobody}", DownstreamFarmer.Json("{}"));
        Assert.Equal(400, (int)answer.StatusCode);
        Assert.Equal(Error("Nonexistent token."), await answer.Content.ReadAsStringAsync());

        Assert.Equal(405, (await hub.GetAsync($"{Root}/answer/{nobody}")).Status);
        Assert.Equal(404, (await hub.GetAsync($"{Root}/chunk/{nobody}/-1")).Status);
        Assert.Equal(404, (await hub.GetAsync($"{Root}/nothing")).Status);
        Assert.Equal(308, (await hub.GetAsync($"{Root}/status/list")).Status);
        var sort = await hub.GetAsync($"{Root}/status/list/by/color");
        Assert.Equal((400, Error("Invalid sort.")), (sort.Status, sort.Body));
        Assert.Equal(200, (await hub.GetAsync($"{Root}/status/list/online/by/d/uptime/10/0")).Status);
        var show = await hub.GetAsync($"{Root}/status/show/0123456789abcdef0123");
        Assert.Equal((404, Error("Nonexistant farmer id.")), (show.Status, show.Body));
        var compact = new HttpRequestMessage(HttpMethod.Get, $"{Root}/heartbeat/{nobody}");
        compact.Headers.Add("X-Requested-With", "XMLHttpRequest");
        Assert.Equal("{\"message\": \"Nonexistent token.\", \"status\": \"error\"}", (await hub.SendAsync(compact)).Body);
    }

    [Fact]
    public async Task Hostile_input_gets_a_4xx_or_an_empty_answer_never_a_server_error()
    {
        await using var hub = await StartAsync();
        using var disk = new TempDirectory("farmer");
        var farmer = await new DownstreamFarmer(hub, disk).RegisterAsync();
        await farmer.TakeChunksAsync(ChunkSize);
        var huge = new string('9', 40);
        foreach (var path in new[]
        {
            $"/chunk/{farmer.Token}/{huge}", $"/status/list/{huge}/{huge}", $"/status/list/1/{huge}", $"/status/list/by/d/size/{huge}",
            $"/status/show/{new string('f', 10_000)}", $"/heartbeat/{new string('x', 5000)}", "/new/%00%FF", $"/challenge/{farmer.Token.ToUpperInvariant()}",
        })
        {
            var response = await hub.GetAsync(Root + path);
            Assert.True(response.Status is >= 200 and < 500, $"{path}: {response.Status} {response.Body}");
        }

        foreach (var body in new[]
        {
            $"{{\"hashes\": [{huge}, -1, 1e400, 1.5, true, \"  7 \", \"1_0\", null]}}",
            new string('[', 10_000),
            $"{{\"proofs\": [{{\"file_hash\": 1, \"proof\": {{\"leaf\": {{\"index\": 1e99, \"blob\": \"\"}}, \"branch\": {{\"rows\": [[\"a\", \"b\", \"c\"]]}}}}}}]}}",
        })
        {
            foreach (var route in new[] { "challenge", "answer" })
            {
                var response = await hub.Http.PostAsync($"{Root}/{route}/{farmer.Token}", DownstreamFarmer.Json(body));
                Assert.Equal(200, (int)response.StatusCode);
                JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            }
        }

        // Beyond 16 MiB: a 413, or the connection closed while the client is still sending.
        try
        {
            var oversized = await hub.Http.PostAsync($"{Root}/answer/{farmer.Token}", DownstreamFarmer.Json(new string(' ', 17 << 20)));
            Assert.Equal(413, (int)oversized.StatusCode);
        }
        catch (HttpRequestException)
        {
        }

        Assert.Equal(200, (await hub.GetAsync($"{Root}/heartbeat/{farmer.Token}")).Status);
    }

    [Fact]
    public async Task Contract_bytes_are_capped_per_address_over_all_its_tokens()
    {
        await using var hub = await StartAsync(options => options.MaxContractBytes = 3 * ChunkSize);
        using var disk = new TempDirectory("farmer");
        var key = PrivateKey.Generate();
        var signature = BitcoinMessage.Sign(key, "m");
        var farmers = new List<DownstreamFarmer>();
        for (var i = 0; i < 2; i++)
        {
            farmers.Add(await new DownstreamFarmer(hub, disk).RegisterAsync(key.Address.ToString(), "m", signature));
        }

        Assert.Equal(2, (await farmers[0].TakeChunksAsync(2 * ChunkSize)).Ids.Count);
        Assert.Single((await farmers[1].TakeChunksAsync(10 * ChunkSize)).Ids);
        Assert.Equal("{\"chunks\": []}", (await farmers[1].TakeChunksAsync(ChunkSize)).Body);
        Assert.Equal("{\"chunks\": []}", (await farmers[0].TakeChunksAsync(0)).Body);
    }

    [Fact]
    public async Task A_thousand_contracts_are_challenged_and_answered_concurrently_on_a_fake_clock()
    {
        await using var hub = await StartAsync(options => options.TestChunkSize = 4096);
        using var disk = new TempDirectory("farmer");
        var farmers = new List<DownstreamFarmer>();
        for (var i = 0; i < 100; i++)
        {
            farmers.Add(await new DownstreamFarmer(hub, disk).RegisterAsync());
        }

        await Task.WhenAll(farmers.Select(f => f.TakeChunksAsync(10 * 4096)));
        Assert.Equal(1000, farmers.Sum(f => f.Contracts.Count));
        for (var round = 0; round < 2; round++)
        {
            var reports = await Task.WhenAll(farmers.Select(f => f.AnswerAsync([.. f.Contracts.Keys])));
            Assert.All(reports.SelectMany(r => r.Report.EnumerateArray()), entry => Assert.Equal("ok", entry.GetProperty("status").GetString()));
            hub.Time.Advance(TimeSpan.FromSeconds(Interval));
            var challenges = await Task.WhenAll(farmers.Select(f => f.ChallengeAsync($"[{string.Join(", ", f.Contracts.Keys)}]")));
            Assert.All(challenges.SelectMany(c => c.Challenges.EnumerateArray()), entry => Assert.Equal(round + 1, entry.GetProperty("challenge").GetProperty("index").GetInt32()));
        }
    }
}

public sealed class DownstreamApiOnSqliteTests : DownstreamApiTests
{
    protected override Backend Backend => Backend.Sqlite;
}

public sealed class DownstreamApiOnPostgresTests : DownstreamApiTests
{
    protected override Backend Backend => Backend.Postgres;
}
