using System.Text.RegularExpressions;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>Who may use the gateway: no other origin, no forged form, only loopback unless told, and a token when it has one.</summary>
[Collection(GatewayCollection.Name)]
public sealed partial class GatewaySecurityTests(GatewayFixture shared)
{
    private GatewayClient Gateway => shared.Gateway;

    private string Origin => Gateway.BaseAddress.GetLeftPart(UriPartial.Authority);

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    private static MultipartFormDataContent Form(params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    [Fact]
    public async Task A_page_on_another_site_cannot_write_through_the_gateway()
    {
        var root = await Gateway.MkdirAsync();
        var path = GatewayClient.Path(root) + "?t=mkdir&name=evil";
        var fromElsewhere = await Gateway.SendAsync(HttpMethod.Post, path, [], [("Origin", "http://attacker.example")]);
        Assert.Equal(403, fromElsewhere.Status);
        Assert.Equal(403, (await Gateway.SendAsync(HttpMethod.Post, path, [], [("Origin", "null")])).Status);
        Assert.Equal(403, (await Gateway.SendAsync(HttpMethod.Put, GatewayClient.Path(root, "f"), [1, 2, 3], [("Sec-Fetch-Site", "cross-site")])).Status);
        Assert.Equal(403, (await Gateway.SendAsync(HttpMethod.Delete, GatewayClient.Path(root, "f"), null, [("Sec-Fetch-Site", "same-site")])).Status);
        var textPlain = new StringContent("t=mkdir&name=evil", System.Text.Encoding.UTF8, "text/plain");
        Assert.Equal(403, (await Gateway.SendAsync(HttpMethod.Post, GatewayClient.Path(root), content: textPlain, headers: [("Origin", Origin)])).Status);

        Assert.Empty((await Gateway.GetAsync(GatewayClient.Path(root) + "?t=json")).Json[1]!["children"]!.AsObject());
    }

    [Fact]
    public async Task A_browser_form_needs_the_token_the_gateways_own_pages_carry_and_programs_need_none()
    {
        var root = await Gateway.MkdirAsync();
        var url = GatewayClient.Path(root) + "/";
        var forged = await Gateway.SendAsync(HttpMethod.Post, url, content: Form(("t", "mkdir"), ("name", "forged")), headers: [("Origin", Origin), ("Sec-Fetch-Site", "same-origin")]);
        Assert.Equal(403, forged.Status);
        Assert.Contains("reload the page", forged.Text, StringComparison.Ordinal);

        var page = await Gateway.GetAsync(url);
        var token = FormToken().Match(page.Text).Groups[1].Value;
        Assert.NotEmpty(token);
        var real = await Gateway.SendAsync(HttpMethod.Post, url, content: Form(("_csrf", token), ("t", "mkdir"), ("name", "real"), ("when_done", "/" + url)), headers: [("Origin", Origin), ("Sec-Fetch-Site", "same-origin")]);
        Assert.Equal(302, real.Status);
        Assert.Equal("/" + url, real.Header("Location"));
        var offSite = await Gateway.SendAsync(HttpMethod.Post, url, content: Form(("_csrf", token), ("t", "mkdir"), ("name", "away"), ("when_done", "https://elsewhere.example/")), headers: [("Origin", Origin)]);
        Assert.Equal(200, offSite.Status); // done, but a form never sends the browser away from the gateway

        // curl -F: a program's form (no Origin, no Sec-Fetch-*) needs no token.
        var upload = new MultipartFormDataContent { { new ByteArrayContent(GatewayClient.Random(20_000, 1)), "file", "data.bin" } };
        var uploaded = await Gateway.SendAsync(HttpMethod.Post, GatewayClient.Path(root) + "?t=upload", content: upload);
        Assert.Equal(200, uploaded.Status);
        Assert.StartsWith("URI:CHK:", uploaded.Text, StringComparison.Ordinal);
        var children = (await Gateway.GetAsync(GatewayClient.Path(root) + "?t=json")).Json[1]!["children"]!.AsObject();
        Assert.Equal(["away", "data.bin", "real"], children.Select(c => c.Key).Order());
    }

    [Fact]
    public async Task A_gateway_with_a_token_refuses_requests_without_it_and_none_listens_beyond_loopback_unasked()
    {
        using var client = new TempDirectory("granary-gateway-client");
        File.Copy(Path.Combine(shared.Grid.ClientDir, "client.json"), Path.Combine(client.Path, "client.json"));
        const string token = "correct-horse-battery-staple";
        await using var gateway = RunningProcess.Start(["gateway", "run", "--client-dir", client.Path, "--urls", "http://127.0.0.1:0", "--token", token]);
        var url = new Uri(await gateway.FirstLineAsync());
        Assert.Equal(url.ToString() + "\n", await File.ReadAllTextAsync(Path.Combine(client.Path, "node.url")));
        using var http = new GatewayClient(url);

        var refused = await http.GetAsync("?t=json");
        Assert.Equal(401, refused.Status);
        Assert.StartsWith("Bearer", refused.Header("WWW-Authenticate"), StringComparison.Ordinal);
        Assert.Equal(401, (await http.GetAsync("?t=json", [("Authorization", "Bearer wrong-token-wrong-token")])).Status);
        Assert.Equal(200, (await http.GetAsync("?t=json", [("Authorization", "Bearer " + token)])).Status);
        var once = await http.GetAsync("?t=json&token=" + token);
        Assert.Equal(302, once.Status);
        Assert.Equal("/?t=json", once.Header("Location"));
        var cookie = once.Response.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        Assert.Equal(200, (await http.GetAsync("?t=json", [("Cookie", cookie)])).Status);

        var remote = await GranaryProcess.RunAsync(["gateway", "run", "--client-dir", client.Path, "--urls", "http://0.0.0.0:0"], TimeSpan.FromSeconds(30));
        Assert.Equal(2, remote.ExitCode);
        Assert.Contains("--allow-remote", remote.Error, StringComparison.Ordinal);
        var shortToken = await GranaryProcess.RunAsync(["gateway", "run", "--client-dir", client.Path, "--urls", "http://127.0.0.1:0", "--token", "short"], TimeSpan.FromSeconds(30));
        Assert.Equal(2, shortToken.ExitCode);
        Assert.Contains("16 characters", shortToken.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webopen_prints_the_gateway_url_of_an_alias_path()
    {
        var created = await shared.Grid.RunAsync("alias", "create", "web");
        Assert.True(created.ExitCode == 0, created.Error);
        var opened = await shared.Grid.RunAsync("webopen", "web:photos/2026");
        Assert.True(opened.ExitCode == 0, opened.Error);
        var link = opened.Output.Trim();
        Assert.StartsWith(Gateway.BaseAddress + "uri/URI%3ADIR2%3A", link, StringComparison.Ordinal);
        Assert.EndsWith("/photos/2026", link, StringComparison.Ordinal);
        var root = await shared.Grid.RunAsync("webopen", "web:");
        Assert.EndsWith("/", root.Output.Trim(), StringComparison.Ordinal);
        Assert.Equal(200, (await Gateway.GetAsync(new Uri(root.Output.Trim()).PathAndQuery.TrimStart('/'))).Status);
    }
}
