using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Granary.Hub.Tests.Tracker;

/// <summary>A test's side of the tracker API: raw HTTP calls and the JSON they answer.</summary>
internal static class TrackerCalls
{
    public sealed record Answer(int Status, string Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;

        public bool Success => Json.GetProperty("success").GetBoolean();

        public string Error => Json.GetProperty("error").GetString()!;
    }

    public static async Task<Answer> SendAsync(this HttpClient http, HttpMethod method, string path, string? json = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await http.SendAsync(request);
        return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static Task<Answer> FetchAsync(this HttpClient http, string path) => http.SendAsync(HttpMethod.Get, path);

    public static Task<Answer> AddFileAsync(this HttpClient http, JsonNode body) => http.SendAsync(HttpMethod.Post, "/add_file", body.ToJsonString());

    public static Task<Answer> KeepAliveAsync(this HttpClient http, string guid, long ka) =>
        http.SendAsync(HttpMethod.Put, "/keep_alive", new JsonObject { ["guid"] = guid, ["ka_seq_number"] = ka }.ToJsonString());

    public static Task<Answer> DeregisterByHashAsync(this HttpClient http, string guid, string hash, long seq) =>
        http.SendAsync(HttpMethod.Delete, "/deregister_file_by_hash", new JsonObject { ["guid"] = guid, ["file_hash"] = hash, ["seq_number"] = seq }.ToJsonString());

    public static Task<Answer> DeregisterByIdAsync(this HttpClient http, string guid, long id, long seq) =>
        http.SendAsync(HttpMethod.Delete, "/deregister_file", new JsonObject { ["guid"] = guid, ["file_id"] = id, ["seq_number"] = seq }.ToJsonString());

    /// <summary>An add_file body: <paramref name="chunks"/> chunks named as the real client names them (hash#id), SHA-256-like hashes.</summary>
    public static JsonObject File(string hash, string? guid, long seq, int chunks = 3, string? name = null, string chunkHashKey = "hash")
    {
        var list = new JsonArray();
        for (var i = 0; i < chunks; i++)
        {
            list.Add(new JsonObject { ["id"] = i, ["name"] = $"{hash}#{i}", [chunkHashKey] = $"{hash[..Math.Min(8, hash.Length)]}c{i}" });
        }

        return new JsonObject { ["name"] = name ?? $"{hash}.mp4", ["full_hash"] = hash, ["chunks"] = list, ["guid"] = guid, ["seq_number"] = seq };
    }

    /// <summary>A 64-hex-digit hash, as the real client sends (SHA-256 of the text).</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Adds a file as a new peer and returns the peer's guid.</summary>
    public static async Task<string> NewPeerWithFileAsync(this HttpClient http, string hash, long seq = 0)
    {
        var answer = await http.AddFileAsync(File(hash, null, seq));
        Assert.True(answer.Status == 200, answer.Body);
        return answer.Json.GetProperty("guid").GetString()!;
    }

    public static async Task<int> FileCountAsync(this HttpClient http)
    {
        var list = await http.FetchAsync("/file_list");
        Assert.Equal(200, list.Status);
        return list.Json.GetProperty("files").GetArrayLength();
    }
}
