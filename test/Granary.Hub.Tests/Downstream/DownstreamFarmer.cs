using System.Text;
using System.Text.Json;
using Granary.Core.Identity;
using Granary.Core.Proofs;

namespace Granary.Hub.Tests.Downstream;

/// <summary>
/// A farmer as downstream-farmer 0.1.8 behaves against a test hub: registers a signed address,
/// takes contracts, writes each chunk from its seed with RandomIO, proves from the file on disk and
/// posts its answers labelled gzip although the body is plain.
/// </summary>
internal sealed class DownstreamFarmer(TestHub hub, TempDirectory chunks)
{
    public const string Root = "/api/downstream/v1";

    /// <summary>downstream-farmer's bundled identity (the KAT's first siggy case).</summary>
    public const string KatAddress = "19qVgG8C6eXwKMMyvVegsi3xCsKyk3Z3jV";
    public const string KatMessage = "test message";
    public const string KatSignature = "HyzVUenXXo4pa+kgm1vS8PNJM83eIXFC5r0q86FGbqFcdla6rcw72/ciXiEPfjli3ENfwWuESHhv6K9esI0dl5I=";

    public string Token { get; private set; } = "";

    public Dictionary<long, (MerkleTag Tag, MerkleChallenge Challenge)> Contracts { get; } = [];

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Registers with a fresh key's signed message and keeps the token.</summary>
    public Task<DownstreamFarmer> RegisterAsync()
    {
        var key = PrivateKey.Generate();
        return RegisterAsync(key.Address.ToString(), "farming for granary", BitcoinMessage.Sign(key, "farming for granary"));
    }

    public async Task<DownstreamFarmer> RegisterAsync(string address, string message, string signature)
    {
        var (status, body) = await NewTokenAsync(address, message, signature);
        Assert.True(status == 200, body);
        Token = JsonDocument.Parse(body).RootElement.GetProperty("token").GetString()!;
        return this;
    }

    public async Task<(int Status, string Body)> NewTokenAsync(string address, string message, string signature)
    {
        var response = await hub.Http.PostAsync($"{Root}/new/{address}", Json(JsonSerializer.Serialize(new { message, signature })));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Asks for contracts of up to <paramref name="size"/> bytes and writes each chunk to disk.</summary>
    public async Task<(string Body, List<long> Ids)> TakeChunksAsync(long size)
    {
        var (status, body, _) = await hub.GetAsync($"{Root}/chunk/{Token}/{size}");
        Assert.True(status == 200, body);
        var ids = new List<long>();
        foreach (var chunk in JsonDocument.Parse(body).RootElement.GetProperty("chunks").EnumerateArray())
        {
            var id = chunk.GetProperty("file_hash").GetInt64();
            Assert.True(MerkleTag.TryParse(chunk.GetProperty("tag"), out var tag));
            Assert.True(MerkleChallenge.TryParse(chunk.GetProperty("challenge"), out var challenge));
            using (var random = new RandomIo(chunk.GetProperty("seed").GetString()!))
            await using (var file = File.Create(ChunkPath(id)))
            {
                await random.WriteAsync(file, chunk.GetProperty("size").GetInt64());
            }

            Contracts[id] = (tag!, challenge!);
            ids.Add(id);
        }

        return (body, ids);
    }

    public string ChunkPath(long id) => Path.Combine(chunks.Path, id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The proof of the contract's current challenge, made from the chunk file as it is now.</summary>
    public string Proof(long id)
    {
        var (tag, challenge) = Contracts[id];
        using var file = File.OpenRead(ChunkPath(id));
        return MerkleHeartbeat.Prove(file, challenge, tag).ToJson();
    }

    /// <summary>POST /answer as the farmer sends it: Content-Encoding gzip on a plain body.</summary>
    public async Task<(int Status, string Body, JsonElement Report)> AnswerAsync(params long[] ids)
    {
        var proofs = string.Join(", ", ids.Select(id => $$"""{"file_hash": {{id}}, "proof": {{Proof(id)}}}"""));
        return await PostAnswersAsync($$"""{"proofs": [{{proofs}}]}""");
    }

    public async Task<(int Status, string Body, JsonElement Report)> PostAnswersAsync(string body)
    {
        var content = Json(body);
        content.Headers.ContentEncoding.Add("gzip");
        var response = await hub.Http.PostAsync($"{Root}/answer/{Token}", content);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text, response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.GetProperty("report") : default);
    }

    /// <summary>POST /challenge for the contracts; keeps each new challenge.</summary>
    public async Task<(string Body, JsonElement Challenges)> ChallengeAsync(string hashes)
    {
        var response = await hub.Http.PostAsync($"{Root}/challenge/{Token}", Json($$"""{"hashes": {{hashes}}}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var challenges = JsonDocument.Parse(text).RootElement.GetProperty("challenges");
        foreach (var entry in challenges.EnumerateArray())
        {
            if (entry.TryGetProperty("challenge", out var sent) && entry.GetProperty("file_hash").TryGetInt64(out var id) && Contracts.TryGetValue(id, out var known))
            {
                Assert.True(MerkleChallenge.TryParse(sent, out var challenge));
                Contracts[id] = (known.Tag, challenge!);
            }
        }

        return (text, challenges);
    }
}
