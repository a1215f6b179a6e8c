using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Granary.Client.Farming;
using Granary.Core.Identity;
using Granary.Core.Proofs;
using Granary.Core.Protocol;

namespace Granary.Hub.Tests.HeightAudit;

/// <summary>
/// The hub auditing a dataserv farmer's claimed height over real HTTP: shards built as
/// dataserv-client builds them pass; a shard that is not what it should be fails; a late answer
/// fails; an answer cannot be replayed; unsigned, unknown and height-less farmers are refused; the
/// dashboard shows the outcome; dataserv's own /api/audit stays 404.
/// </summary>
public abstract class HeightAuditTests
{
    protected abstract Backend Backend { get; }

    private static string PathOf(PrivateKey farmer) => $"/{HeightAuditProtocol.Path}/{farmer.Address}";

    private static HttpRequestMessage Post(TestHub hub, PrivateKey farmer, HeightAnswerMessage answer)
    {
        var request = hub.Signed(PathOf(farmer), farmer);
        request.Method = HttpMethod.Post;
        request.Content = JsonContent.Create(answer, options: HeightAuditProtocol.Json);
        return request;
    }

    private static HeightAnswerMessage Answer(HeightStore store, HeightChallengeMessage challenge) =>
        new(challenge.Challenge, [.. challenge.Shards.Select(s => new HeightShardAnswer(s, store.AnswerShard(Encoding.UTF8.GetBytes(challenge.Challenge), s)))]);

    [Fact]
    public async Task Built_shards_pass_a_wrong_shard_a_late_answer_and_a_replay_fail_and_the_dashboard_shows_the_outcome()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        using var disk = new TempDirectory("height-audit");
        var key = await hub.RegisterAsync();
        using var http = new HttpClient();
        var farmer = new DataservFarmer(http, hub.Url, key, hub.Time);
        var store = new HeightStore(disk.Path, key.Address.ToString());

        // No height claimed yet: nothing to audit.
        var early = await hub.SendAsync(hub.Signed(PathOf(key), key));
        Assert.Equal(409, early.Status);
        Assert.Contains("claims no height", early.Body, StringComparison.Ordinal);

        await store.BuildAsync(2 * HeightShards.ShardSize, heightReached: (height, ct) => farmer.SetHeightAsync(height, ct));
        var passed = await farmer.AuditHeightAsync(store);
        Assert.True(passed.Passed, passed.Detail);
        Assert.Equal("shards 1,2 of 2 answered", passed.Detail);

        // An answer is judged once: replaying it finds no open challenge.
        var asked = await hub.SendAsync(hub.Signed(PathOf(key), key));
        Assert.Equal(200, asked.Status);
        var challenge = JsonSerializer.Deserialize<HeightChallengeMessage>(asked.Body, HeightAuditProtocol.Json)!;
        Assert.Equal([1L, 2L], challenge.Shards);
        Assert.Equal(32, challenge.Challenge.Length);
        Assert.Equal(challenge.Challenge, JsonSerializer.Deserialize<HeightChallengeMessage>((await hub.SendAsync(hub.Signed(PathOf(key), key))).Body, HeightAuditProtocol.Json)!.Challenge); // asked again: the same open one
        var answer = Answer(store, challenge);
        Assert.Equal(200, (await hub.SendAsync(Post(hub, key, answer))).Status);
        var replay = await hub.SendAsync(Post(hub, key, answer));
        Assert.Equal(409, replay.Status);
        Assert.Contains("no height challenge is open", replay.Body, StringComparison.Ordinal);

        // Shard 2 holds shard 1's bytes (the right size, the wrong data).
        File.Copy(store.ShardPath(1), store.ShardPath(2), overwrite: true);
        var wrong = await farmer.AuditHeightAsync(store);
        Assert.False(wrong.Passed);
        Assert.Equal("shard 2 answered wrongly: the farmer does not hold it as built", wrong.Detail);

        // An answer after the deadline fails, however right.
        File.Delete(store.ShardPath(2));
        await store.BuildAsync(2 * HeightShards.ShardSize);
        challenge = JsonSerializer.Deserialize<HeightChallengeMessage>((await hub.SendAsync(hub.Signed(PathOf(key), key))).Body, HeightAuditProtocol.Json)!;
        hub.Time.Advance(TimeSpan.FromMinutes(3));
        var late = await hub.SendAsync(Post(hub, key, Answer(store, challenge)));
        Assert.Equal(200, late.Status);
        Assert.Equal(new HeightVerdictMessage(false, "answered after the deadline"), JsonSerializer.Deserialize<HeightVerdictMessage>(late.Body, HeightAuditProtocol.Json));

        // The operator's page shows each online farmer's last height audit.
        using var status = JsonDocument.Parse((await hub.GetAsync("/ui/status.json")).Body);
        var shown = status.RootElement.GetProperty("farmers").EnumerateArray().Single(f => f.GetProperty("btcAddr").GetString() == key.Address.ToString()).GetProperty("heightAudit");
        Assert.False(shown.GetProperty("passed").GetBoolean());
        Assert.Equal("answered after the deadline", shown.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unsigned_unknown_and_malformed_requests_are_refused_and_dataservs_audit_route_stays_absent()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var key = await hub.RegisterAsync();
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/height/{key.Address}/5", key))).Status);

        Assert.Equal(401, (await hub.GetAsync(PathOf(key))).Status);
        var stranger = PrivateKey.Generate();
        var unknown = await hub.SendAsync(hub.Signed(PathOf(stranger), stranger));
        Assert.Equal(404, unknown.Status);
        Assert.Contains("no farmer is registered", unknown.Body, StringComparison.Ordinal);
        var forged = await hub.SendAsync(hub.Signed(PathOf(key), stranger)); // signed by another key
        Assert.Equal(401, forged.Status);

        var noChallenge = await hub.SendAsync(Post(hub, key, new HeightAnswerMessage("00", [])));
        Assert.Equal(409, noChallenge.Status);
        var challenge = JsonSerializer.Deserialize<HeightChallengeMessage>((await hub.SendAsync(hub.Signed(PathOf(key), key))).Body, HeightAuditProtocol.Json)!;
        Assert.Equal(3, challenge.Shards.Count);
        Assert.All(challenge.Shards, s => Assert.InRange(s, 1, 5));
        Assert.Equal(409, (await hub.SendAsync(Post(hub, key, new HeightAnswerMessage("not it", [])))).Status);

        foreach (var body in new[] { "not json", "null", "{\"challenge\": 5}", "{\"challenge\": \"x\", \"answers\": [null]}" })
        {
            var request = hub.Signed(PathOf(key), key);
            request.Method = HttpMethod.Post;
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            var refused = await hub.SendAsync(request);
            Assert.True(refused.Status == 400, $"{body}: {refused.Status} {refused.Body}");
        }

        // A challenge left unanswered past its deadline is judged failed, and the next request gets a new one.
        hub.Time.Advance(TimeSpan.FromMinutes(3));
        var next = JsonSerializer.Deserialize<HeightChallengeMessage>((await hub.SendAsync(hub.Signed(PathOf(key), key))).Body, HeightAuditProtocol.Json)!;
        Assert.NotEqual(challenge.Challenge, next.Challenge);

        Assert.Equal(404, (await hub.SendAsync(hub.Signed($"/api/audit/{key.Address}", key))).Status);
    }
}

public sealed class HeightAuditOnSqliteTests : HeightAuditTests
{
    protected override Backend Backend => Backend.Sqlite;
}

public sealed class HeightAuditOnPostgresTests : HeightAuditTests
{
    protected override Backend Backend => Backend.Postgres;
}
