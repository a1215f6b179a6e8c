using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Granary.Core.Caps;
using Granary.Core.Identity;
using Granary.Core.Protocol;

namespace Granary.Hub.Tests.Keeper;

/// <summary>
/// <c>POST /api/keeper/keep</c> and the keeper's public views over real HTTP, on SQLite and on
/// PostgreSQL (the subclasses at the end): what an unsigned, forged, stale or malformed request gets,
/// and that a read cap is refused before anything is looked up.
/// </summary>
public abstract class KeeperApiTests
{
    private const string VerifyCap = "URI:CHK-Verifier:5mwuz5yxisqrnhtrsljs7wkyb4:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56";
    private const string ReadCap = "URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56";

    protected abstract Backend Backend { get; }

    private static string Body(PrivateKey client, long time, string action, string? cap = null) =>
        JsonSerializer.Serialize(new KeeperRequest(client.Address.ToString(), time, action, cap), KeeperRequest.Json);

    private static async Task<(int Status, string Error, string Body)> PostAsync(TestHub hub, string body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/" + KeeperRequest.Path)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(KeeperRequest.SignatureHeader, signature);
        }

        var (status, text, _) = await hub.SendAsync(request);
        var error = "";
        if (status >= 400)
        {
            using var json = JsonDocument.Parse(text);
            error = json.RootElement.GetProperty("error").GetString()!;
        }

        return (status, error, text);
    }

    private static Task<(int Status, string Error, string Body)> SignedAsync(TestHub hub, PrivateKey client, string action, string? cap = null, long? time = null)
    {
        var body = Body(client, time ?? hub.Time.GetUtcNow().ToUnixTimeSeconds(), action, cap);
        return PostAsync(hub, body, client.SignMessage(body));
    }

    [Fact]
    public async Task Unsigned_forged_and_stale_requests_are_refused_with_401()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var client = PrivateKey.Generate();
        var body = Body(client, hub.Time.GetUtcNow().ToUnixTimeSeconds(), KeeperRequest.List);

        var unsigned = await PostAsync(hub, body, null);
        Assert.Equal(401, unsigned.Status);
        Assert.Contains(KeeperRequest.SignatureHeader, unsigned.Error, StringComparison.Ordinal);

        var forged = await PostAsync(hub, body, PrivateKey.Generate().SignMessage(body));
        Assert.Equal((401, "the signature is not the client's"), (forged.Status, forged.Error));

        // A signature of another body by the right key is no better.
        var other = await PostAsync(hub, body, client.SignMessage(body + " "));
        Assert.Equal(401, other.Status);

        var window = hub.Hub.Options.AuthWindowSeconds;
        var now = hub.Time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var stale in new[] { now - window - 1, now + window + 1 })
        {
            var (status, error, _) = await SignedAsync(hub, client, KeeperRequest.List, time: stale);
            Assert.Equal(401, status);
            Assert.Contains($"more than the {window} s allowed", error, StringComparison.Ordinal);
        }

        Assert.Equal(200, (await SignedAsync(hub, client, KeeperRequest.List, time: now - window)).Status);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"client": "x"}""")]
    [InlineData("""{"client": "x", "time": "soon", "action": "list"}""")]
    public async Task A_malformed_body_is_refused_with_400(string body)
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var (status, error, _) = await PostAsync(hub, body, PrivateKey.Generate().SignMessage(body));
        Assert.Equal(400, status);
        Assert.StartsWith("the body is not a keeper request", error, StringComparison.Ordinal);
    }

    private static byte[] Secrets(int size) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(size);

    [Fact]
    public async Task A_read_cap_is_refused_with_400_and_so_is_a_literal_cap_or_no_cap()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var client = PrivateKey.Generate();

        var read = await SignedAsync(hub, client, KeeperRequest.Keep, ReadCap);
        Assert.Equal(400, read.Status);
        Assert.Contains("never a read or write cap", read.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(ReadCap, read.Body, StringComparison.Ordinal);

        var writeCap = new MutableWriteCap(Core.Mutable.MutableFormat.Sdmf, Secrets(16), Secrets(32));
        foreach (var secret in new Cap[] { writeCap, writeCap.ReadCap })
        {
            var refused = await SignedAsync(hub, client, KeeperRequest.Keep, secret.ToString());
            Assert.Equal(400, refused.Status);
            Assert.Contains("never a read or write cap", refused.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(secret.ToString(), refused.Body, StringComparison.Ordinal);
        }

        var directory = await SignedAsync(hub, client, KeeperRequest.Keep, new DirectoryCap(writeCap.VerifyCap).ToString());
        Assert.Equal(400, directory.Status);
        Assert.Contains("not a directory cap", directory.Error, StringComparison.Ordinal);

        var literal = await SignedAsync(hub, client, KeeperRequest.Keep, "URI:LIT:nbswy3dp");
        Assert.Equal(400, literal.Status);
        Assert.Contains("a literal file lives in its cap", literal.Error, StringComparison.Ordinal);

        var broken = await SignedAsync(hub, client, KeeperRequest.Keep, "URI:CHK-Verifier:nonsense");
        Assert.Equal(400, broken.Status);
        Assert.StartsWith("cap: ", broken.Error, StringComparison.Ordinal);

        Assert.Equal(400, (await SignedAsync(hub, client, KeeperRequest.Keep)).Status);
        Assert.Equal(400, (await SignedAsync(hub, client, KeeperRequest.Forget, ReadCap)).Status);
        var unknown = await SignedAsync(hub, client, "hoard", VerifyCap);
        Assert.Equal(400, unknown.Status);
        Assert.Contains("unknown action 'hoard'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keep_without_nodes_is_422_forget_of_a_file_not_kept_is_404_and_list_is_empty()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var client = PrivateKey.Generate();

        var keep = await SignedAsync(hub, client, KeeperRequest.Keep, VerifyCap);
        Assert.Equal(422, keep.Status);
        Assert.Contains("no node", keep.Error, StringComparison.Ordinal);

        var forget = await SignedAsync(hub, client, KeeperRequest.Forget, VerifyCap);
        Assert.Equal((404, "this client does not keep that file here"), (forget.Status, forget.Error));

        var mutable = new MutableVerifyCap(Core.Mutable.MutableFormat.Mdmf, StorageIndex.FromBytes(Secrets(16)), Secrets(32)).ToString();
        var keepMutable = await SignedAsync(hub, client, KeeperRequest.Keep, mutable);
        Assert.Equal(422, keepMutable.Status);
        Assert.Contains("no node", keepMutable.Error, StringComparison.Ordinal);
        Assert.Equal(404, (await SignedAsync(hub, client, KeeperRequest.Forget, mutable)).Status);

        var list = await SignedAsync(hub, client, KeeperRequest.List);
        Assert.Equal(200, list.Status);
        var files = JsonSerializer.Deserialize<KeptFileList>(list.Body, KeeperRequest.Json)!;
        Assert.Empty(files.Files);
    }

    [Fact]
    public async Task The_keepers_views_answer_json_on_an_empty_hub()
    {
        await using var hub = await TestHub.StartAsync(Backend);

        var (status, body, response) = await hub.GetAsync("/api/keeper/nodes");
        Assert.Equal(200, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        using (var nodes = JsonDocument.Parse(body))
        {
            Assert.Equal(0, nodes.RootElement.GetProperty("nodes").GetArrayLength());
            Assert.Equal(hub.Hub.Options.Keeper.DisqualifyBelow, nodes.RootElement.GetProperty("disqualifyBelow").GetDouble());
        }

        (status, body, response) = await hub.GetAsync("/api/keeper/files");
        Assert.Equal(200, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        using var files = JsonDocument.Parse(body);
        Assert.Equal(0, files.RootElement.GetProperty("total").GetInt64());
        Assert.Equal(0, files.RootElement.GetProperty("files").GetArrayLength());
        Assert.Equal(0, files.RootElement.GetProperty("decisions").GetArrayLength());
    }
}

public sealed class KeeperApiOnSqliteTests : KeeperApiTests
{
    protected override Backend Backend => Backend.Sqlite;
}

public sealed class KeeperApiOnPostgresTests : KeeperApiTests
{
    protected override Backend Backend => Backend.Postgres;
}
