using System.Text.Json.Nodes;
using Granary.Core.Caps;

namespace Granary.IntegrationTests;

/// <summary>The web API over real HTTP, against the gateway process of a real grid, with the requests Tahoe's CLI sends.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayTests(GatewayFixture shared)
{
    private GatewayClient Gateway => shared.Gateway;

    private static string P(string cap, params string[] names) => GatewayClient.Path(cap, names);

    [Fact]
    public async Task The_gateway_writes_node_url_and_its_welcome_json_lists_every_server_and_the_hub()
    {
        var nodeUrl = await File.ReadAllTextAsync(Path.Combine(shared.Grid.ClientDir, "node.url"));
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/\n$", nodeUrl);
        Assert.Equal(Gateway.BaseAddress.ToString(), nodeUrl.Trim());

        var welcome = await Gateway.GetAsync("?t=json");
        Assert.Equal(200, welcome.Status);
        Assert.StartsWith("application/json", welcome.Header("Content-Type"), StringComparison.Ordinal);
        var json = welcome.Json.AsObject();
        Assert.Equal(["introducers", "servers"], json.Select(p => p.Key).Order());
        Assert.StartsWith("Connected to http://127.0.0.1:", json["introducers"]!["statuses"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        var servers = json["servers"]!.AsArray();
        Assert.Equal(10, servers.Count);
        foreach (var server in servers)
        {
            Assert.Equal(["available_space", "connection_status", "last_received_data", "nickname", "nodeid", "version"], server!.AsObject().Select(p => p.Key).Order());
            Assert.StartsWith("Connected to ", server["connection_status"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.True(server["available_space"]!.GetValue<long>() > 0);
        }

        Assert.Equal(400, (await Gateway.GetAsync("?t=bogus")).Status);
        Assert.Equal("DENY", welcome.Header("X-Frame-Options"));
        Assert.Equal("no-referrer", welcome.Header("Referrer-Policy"));
        var html = await Gateway.GetAsync("");
        Assert.Contains("Storage servers", html.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("granary-storage://", html.Text, StringComparison.Ordinal); // never a storage secret
    }

    [Fact]
    public async Task An_immutable_file_put_to_uri_comes_back_whole_by_range_and_with_its_headers()
    {
        var data = GatewayClient.Random(1_500_000, 1);
        var put = await Gateway.PutAsync("uri", data);
        Assert.Equal(200, put.Status);
        var cap = put.Text;
        Assert.StartsWith("URI:CHK:", cap, StringComparison.Ordinal);
        Assert.Equal(cap, await Gateway.UploadAsync(data)); // convergent: the same file, the same cap

        // The key derived while the body was spooled is the one both passes over a file derive:
        // a body without a length (spooled, then hashed) and `granary put` give the same cap.
        using (var chunked = new StreamContent(new MemoryStream(data)))
        {
            var unsized = await Gateway.SendAsync(HttpMethod.Put, "uri", headers: [("Transfer-Encoding", "chunked")], content: chunked);
            Assert.Equal(cap, unsized.Text.Trim());
        }

        var file = shared.Grid.File("range-source.bin");
        await File.WriteAllBytesAsync(file, data);
        Assert.Equal(cap, await shared.Grid.PutAsync(file));

        var whole = await Gateway.GetAsync(P(cap));
        Assert.Equal(200, whole.Status);
        Assert.Equal(data, whole.Body);
        Assert.Equal("bytes", whole.Header("Accept-Ranges"));
        Assert.Equal("text/plain", whole.Header("Content-Type"));
        var etag = whole.Header("ETag")!;

        var range = await Gateway.GetAsync(P(cap), [("Range", "bytes=1000000-1100099")]);
        Assert.Equal(206, range.Status);
        Assert.Equal("bytes 1000000-1100099/1500000", range.Header("Content-Range"));
        Assert.Equal(data.AsSpan(1_000_000, 100_100).ToArray(), range.Body);
        var suffix = await Gateway.GetAsync(P(cap), [("Range", "bytes=-10")]);
        Assert.Equal(data[^10..], suffix.Body);
        var beyond = await Gateway.GetAsync(P(cap), [("Range", "bytes=1500000-")]);
        Assert.Equal(416, beyond.Status);
        Assert.Equal("bytes */1500000", beyond.Header("Content-Range"));

        Assert.Equal(304, (await Gateway.GetAsync(P(cap), [("If-None-Match", etag)])).Status);
        var head = await Gateway.SendAsync(HttpMethod.Head, P(cap));
        Assert.Equal(200, head.Status);
        Assert.Empty(head.Body);
        Assert.Equal(1_500_000, head.Response.Content.Headers.ContentLength);

        var saved = await Gateway.GetAsync(P(cap) + "?filename=bar.txt&save=true");
        Assert.Equal("attachment; filename=\"bar.txt\"", saved.Header("Content-Disposition"));
        Assert.Equal("image/png", (await Gateway.GetAsync(P(cap) + "?filename=x.png")).Header("Content-Type"));

        var redirect = await Gateway.GetAsync("uri?uri=" + Uri.EscapeDataString(cap) + "&filename=a.txt");
        Assert.Equal(302, redirect.Status);
        Assert.Equal("/" + P(cap) + "?filename=a.txt", redirect.Header("Location"));

        var info = await Gateway.GetAsync(P(cap) + "?t=json");
        var details = info.Json[1]!;
        Assert.Equal("filenode", info.Json[0]!.GetValue<string>());
        Assert.Equal(cap, details["ro_uri"]!.GetValue<string>());
        Assert.Equal(1_500_000, details["size"]!.GetValue<long>());
        Assert.False(details["mutable"]!.GetValue<bool>());
        Assert.Equal("CHK", details["format"]!.GetValue<string>());
        Assert.StartsWith("URI:CHK-Verifier:", details["verify_uri"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_convergence_an_upload_streams_under_a_random_key_and_small_files_become_literal()
    {
        var data = GatewayClient.Random(300_000, 2);
        var first = await Gateway.UploadAsync(data, "?convergence=false");
        var second = await Gateway.UploadAsync(data, "?convergence=false");
        Assert.NotEqual(first, second);
        Assert.Equal(data, (await Gateway.GetAsync(P(first))).Body);
        Assert.Equal(data, (await Gateway.GetAsync(P(second))).Body);

        var literal = await Gateway.UploadAsync("tiny"u8.ToArray());
        Assert.StartsWith("URI:LIT:", literal, StringComparison.Ordinal);
        Assert.Equal("tiny", (await Gateway.GetAsync(P(literal))).Text);
        var check = (await Gateway.PostAsync(P(literal) + "?t=check&output=JSON")).Json;
        Assert.Equal("", check["storage-index"]!.GetValue<string>());
        Assert.True(check["results"]!["healthy"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("sdmf", "URI:SSK:")]
    [InlineData("mdmf", "URI:MDMF:")]
    public async Task A_mutable_file_is_created_overwritten_and_written_in_place(string format, string prefix)
    {
        var data = GatewayClient.Random(200_000, 3);
        var cap = await Gateway.UploadAsync(data, "?format=" + format);
        Assert.StartsWith(prefix, cap, StringComparison.Ordinal);
        Assert.Equal(data, (await Gateway.GetAsync(P(cap))).Body);
        var json = (await Gateway.GetAsync(P(cap) + "?t=json")).Json[1]!;
        Assert.True(json["mutable"]!.GetValue<bool>());
        Assert.Equal(format.ToUpperInvariant(), json["format"]!.GetValue<string>());
        Assert.Equal(200_000, json["size"]!.GetValue<long>());

        var replaced = GatewayClient.Random(50_000, 4);
        Assert.Equal(cap, await Gateway.OkAsync(Gateway.PutAsync(P(cap), replaced)));
        Assert.Equal(replaced, (await Gateway.GetAsync(P(cap))).Body);
        Assert.Equal(cap, await Gateway.OkAsync(Gateway.PutAsync(P(cap) + "?offset=49990", "0123456789abcdef")));
        var written = (await Gateway.GetAsync(P(cap))).Body;
        Assert.Equal(50_006, written.Length);
        Assert.Equal("0123456789abcdef", System.Text.Encoding.ASCII.GetString(written, 49_990, 16));

        var readOnly = json["ro_uri"]!.GetValue<string>();
        var refused = await Gateway.PutAsync(P(readOnly), "no");
        Assert.Equal(400, refused.Status);
        Assert.Contains("read-only cap", refused.Text, StringComparison.Ordinal);
        Assert.Equal(400, (await Gateway.PutAsync(P(cap) + "?offset=-1", "x")).Status);
    }

    [Fact]
    public async Task Paths_below_a_directory_are_created_replaced_read_and_deleted_with_tahoes_status_codes()
    {
        var root = await Gateway.MkdirAsync();
        Assert.StartsWith("URI:DIR2:", root, StringComparison.Ordinal);
        var data = GatewayClient.Random(100_000, 5);
        var created = await Gateway.PutAsync(P(root, "a", "b", "c.txt"), data);
        Assert.Equal(201, created.Status);
        Assert.Equal(data, (await Gateway.GetAsync(P(root, "a", "b", "c.txt"))).Body);
        Assert.Equal(200, (await Gateway.PutAsync(P(root, "a", "b", "c.txt"), "replaced")).Status);
        Assert.Equal("replaced", (await Gateway.GetAsync(P(root, "a", "b", "c.txt"))).Text);
        var kept = await Gateway.PutAsync(P(root, "a", "b", "c.txt") + "?replace=false", "no");
        Assert.Equal(409, kept.Status);
        Assert.Equal("There was already a child by that name, and you asked me to not replace it.", kept.Text);

        var listing = (await Gateway.GetAsync(P(root, "a") + "?t=json")).Json;
        Assert.Equal("dirnode", listing[0]!.GetValue<string>());
        var b = listing[1]!["children"]!["b"]!;
        Assert.Equal("dirnode", b[0]!.GetValue<string>());
        Assert.True(b[1]!["metadata"]!["tahoe"]!["linkcrtime"] is not null);

        var missing = await Gateway.GetAsync(P(root, "a", "missing") + "?t=json");
        Assert.Equal(404, missing.Status);
        Assert.Equal("No such child: missing", missing.Text);
        Assert.Equal(404, (await Gateway.DeleteAsync(P(root, "missing", "missing"))).Status);

        var deleted = await Gateway.DeleteAsync(P(root, "a", "b", "c.txt"));
        Assert.Equal(200, deleted.Status);
        Assert.StartsWith("URI:LIT:", deleted.Text, StringComparison.Ordinal);
        Assert.Equal(404, (await Gateway.DeleteAsync(P(root, "a", "b", "c.txt"))).Status);

        var blocked = await Gateway.PutAsync(P(root, "file"), "x");
        Assert.Equal(201, blocked.Status);
        var inTheWay = await Gateway.PostAsync(P(root, "file", "sub") + "?t=mkdir");
        Assert.Equal(409, inTheWay.Status);
        var mkdirOverFile = await Gateway.PutAsync(P(root, "file", "deeper", "x"), "y");
        Assert.Equal(409, mkdirOverFile.Status);
    }

    [Fact]
    public async Task Malformed_requests_get_tahoes_400s_and_never_a_500()
    {
        var root = await Gateway.MkdirAsync();
        Assert.Equal(400, (await Gateway.GetAsync("uri/URI%3ACHK%3Anot-a-cap")).Status);
        Assert.Equal(400, (await Gateway.GetAsync("uri/garbage")).Status);
        var slash = await Gateway.GetAsync(P(root) + "//x");
        Assert.Equal(400, slash.Status);
        Assert.Equal("The webapi does not allow empty pathname components, i.e. a double slash", slash.Text);
        var bogus = await Gateway.PutAsync(P(root, "x") + "?t=bogus", "x");
        Assert.Equal(400, bogus.Status);
        Assert.Equal("PUT to a file: bad t=bogus", bogus.Text);
        Assert.Equal("GET /uri requires uri=", (await Gateway.GetAsync("uri")).Text);
        Assert.Equal(400, (await Gateway.PostAsync(P(root) + "?t=start-deep-stats")).Status);
        Assert.Equal("slow operation requires ophandle=", (await Gateway.PostAsync(P(root) + "?t=start-deep-stats")).Text);
        Assert.Equal(400, (await Gateway.PostAsync(P(root) + "?t=set_children", "{not json")).Status);
        Assert.Equal(400, (await Gateway.PostAsync(P(root) + "?t=set_children", "{\"x\": [\"filenode\", {\"rw_uri\": \"URI:CHK:bad\"}]}")).Status);
        Assert.Equal(400, (await Gateway.PutAsync(P(root, "x") + "?replace=maybe", "x")).Status);
        Assert.Equal(400, (await Gateway.PutAsync("uri?format=XYZ", "x")).Status);
        Assert.Equal(404, (await Gateway.GetAsync("no/such/page")).Status);
        Assert.Equal(404, (await Gateway.GetAsync("operations/nonesuch?t=status&output=JSON")).Status);
        var verifier = (await Gateway.GetAsync(P(await Gateway.UploadAsync(GatewayClient.Random(1000, 6))) + "?t=json")).Json[1]!["verify_uri"]!.GetValue<string>();
        var unknown = await Gateway.GetAsync(P(verifier));
        Assert.Equal(400, unknown.Status);
        Assert.StartsWith("GET unknown URI type: can only do t=info", unknown.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_directory_refuses_writes_with_403_and_serves_reads()
    {
        var root = await Gateway.MkdirAsync();
        await Gateway.OkAsync(Gateway.PutAsync(P(root, "f"), "hello"), 201);
        var readOnly = (await Gateway.GetAsync(P(root) + "?t=json")).Json[1]!["ro_uri"]!.GetValue<string>();
        Assert.StartsWith("URI:DIR2-RO:", readOnly, StringComparison.Ordinal);
        Assert.Equal("hello", (await Gateway.GetAsync(P(readOnly, "f"))).Text);
        Assert.Equal(readOnly, (await Gateway.GetAsync(P(root) + "?t=readonly-uri")).Text);
        Assert.Equal(403, (await Gateway.PutAsync(P(readOnly, "g"), "no")).Status);
        Assert.Equal(403, (await Gateway.DeleteAsync(P(readOnly, "f"))).Status);
        Assert.Equal(403, (await Gateway.PostAsync(P(readOnly) + "?t=mkdir&name=d")).Status);
        Assert.Equal("hello", (await Gateway.GetAsync(P(root, "f"))).Text);
    }

    [Fact]
    public async Task Cp_mv_and_ln_requests_link_by_cap_with_set_children_and_t_uri()
    {
        var root = await Gateway.MkdirAsync();
        var file = await Gateway.UploadAsync(GatewayClient.Random(70_000, 7));
        var other = await Gateway.UploadAsync(GatewayClient.Random(70_000, 8));
        await Gateway.OkAsync(Gateway.PostAsync(P(root) + "?t=set_children", $$$"""{"one": ["filenode", {"rw_uri": "{{{file}}}"}], "two": ["filenode", {"ro_uri": "{{{other}}}", "metadata": {"mtime": 5}}]}"""));
        var children = (await Gateway.GetAsync(P(root) + "?t=json")).Json[1]!["children"]!;
        Assert.Equal(file, children["one"]![1]!["ro_uri"]!.GetValue<string>());
        Assert.Null(children["one"]![1]!["rw_uri"]); // an immutable cap given as rw_uri moves to the read slot
        Assert.Equal(5, children["two"]![1]!["metadata"]!["mtime"]!.GetValue<int>());

        // mv/ln: PUT ?t=uri&replace=only-files, then (mv) DELETE the source.
        Assert.Equal(other, await Gateway.OkAsync(Gateway.PutAsync(P(root, "one") + "?t=uri&replace=only-files", other)));
        Assert.Equal(other, (await Gateway.GetAsync(P(root, "one") + "?t=uri")).Text);
        await Gateway.OkAsync(Gateway.PostAsync(P(root, "sub") + "?t=mkdir"));
        var overDirectory = await Gateway.PutAsync(P(root, "sub") + "?t=uri&replace=only-files", file);
        Assert.Equal(409, overDirectory.Status);
        await Gateway.OkAsync(Gateway.PutAsync(P(root, "sub", "moved") + "?t=uri", file));
        await Gateway.OkAsync(Gateway.DeleteAsync(P(root, "two")));

        // The POST forms with query arguments.
        await Gateway.OkAsync(Gateway.PostAsync(P(root) + "?t=rename&from_name=one&to_name=uno"));
        await Gateway.OkAsync(Gateway.PostAsync(P(root) + "?t=relink&from_name=uno&to_dir=sub"));
        await Gateway.OkAsync(Gateway.PostAsync(P(root) + "?t=uri&name=linked&uri=" + Uri.EscapeDataString(file)));
        Assert.Equal(409, (await Gateway.PostAsync(P(root) + "?t=uri&name=linked&replace=false&uri=" + Uri.EscapeDataString(other))).Status);
        var after = (await Gateway.GetAsync(P(root) + "?t=json")).Json[1]!["children"]!.AsObject();
        Assert.Equal(["linked", "sub"], after.Select(p => p.Key).Order());
        var sub = (await Gateway.GetAsync(P(root, "sub") + "?t=json")).Json[1]!["children"]!.AsObject();
        Assert.Equal(["moved", "uno"], sub.Select(p => p.Key).Order());
        await Gateway.OkAsync(Gateway.PostAsync(P(root) + "?t=delete&name=linked"));
        Assert.Equal(404, (await Gateway.PostAsync(P(root) + "?t=delete&name=linked")).Status);
    }

    [Fact]
    public async Task Directories_are_made_with_children_or_immutable_and_a_backup_builds_archives_and_latest()
    {
        var file = await Gateway.UploadAsync(GatewayClient.Random(80_000, 9));
        var withChildren = (await Gateway.OkAsync(Gateway.PostAsync("uri?t=mkdir-with-children", $$"""{"f": ["filenode", {"ro_uri": "{{file}}"}]}"""))).Trim();
        Assert.StartsWith("URI:DIR2:", withChildren, StringComparison.Ordinal);
        Assert.StartsWith("URI:DIR2-MDMF:", await Gateway.MkdirAsync("&format=mdmf"), StringComparison.Ordinal);

        // tahoe backup FROM alias:backups
        var alias = await Gateway.MkdirAsync();
        var archives = P(alias, "backups", "Archives") + "/";
        Assert.Equal(404, (await Gateway.GetAsync(archives + "?t=json")).Status);
        Assert.StartsWith("URI:DIR2:", await Gateway.OkAsync(Gateway.PostAsync(archives + "?t=mkdir")), StringComparison.Ordinal);
        var snapshot = (await Gateway.OkAsync(Gateway.PostAsync("uri?t=mkdir-immutable", $$$"""{"f": ["filenode", {"ro_uri": "{{{file}}}", "metadata": {"ctime": 1.5, "mtime": 2.5, "st_mode": 33188}}]}"""))).Trim();
        Assert.StartsWith("URI:DIR2-CHK:", snapshot, StringComparison.Ordinal);
        await Gateway.OkAsync(Gateway.PutAsync(archives + Uri.EscapeDataString("2026-12-02_01:02:03Z") + "?t=uri", snapshot));
        await Gateway.OkAsync(Gateway.PutAsync(P(alias, "backups", "Latest") + "?t=uri", snapshot));
        var backups = (await Gateway.GetAsync(P(alias, "backups") + "?t=json")).Json[1]!["children"]!.AsObject();
        Assert.Equal(["Archives", "Latest"], backups.Select(p => p.Key).Order());
        var latest = (await Gateway.GetAsync(P(alias, "backups", "Latest", "f") + "?t=json")).Json[1]!;
        Assert.Equal(2.5, latest["metadata"]!["mtime"]!.GetValue<double>());
        Assert.Equal(80_000, (await Gateway.GetAsync(P(alias, "backups", "Archives", "2026-12-02_01:02:03Z", "f"))).Body.Length);

        var mutableChild = await Gateway.MkdirAsync();
        var refused = await Gateway.PostAsync("uri?t=mkdir-immutable", $$"""{"d": ["dirnode", {"rw_uri": "{{mutableChild}}"}]}""");
        Assert.Equal(400, refused.Status);
        Assert.Contains("MustBeDeepImmutableError", refused.Text, StringComparison.Ordinal);
        Assert.Equal(403, (await Gateway.PutAsync(P(snapshot, "new"), "x")).Status);
        Assert.StartsWith("URI:DIR2-LIT:", (await Gateway.OkAsync(Gateway.PostAsync("uri?t=mkdir-immutable", "{}"))).Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_answers_the_json_tahoes_check_command_reads_with_and_without_repair()
    {
        var cap = await Gateway.UploadAsync(GatewayClient.Random(120_000, 10));
        var check = (await Gateway.OkAsync(Gateway.PostAsync(P(cap) + "?t=check&output=JSON")));
        var json = JsonNode.Parse(check)!;
        Assert.Equal("Healthy", json["summary"]!.GetValue<string>());
        Assert.Equal(((ChkReadCap)Cap.Parse(cap)).StorageIndex.ToString(), json["storage-index"]!.GetValue<string>());
        var results = json["results"]!;
        Assert.Equal(10, results["count-shares-good"]!.GetValue<int>());
        Assert.Equal(3, results["count-shares-needed"]!.GetValue<int>());
        Assert.Equal(10, results["count-shares-expected"]!.GetValue<int>());
        Assert.Equal(0, results["count-wrong-shares"]!.GetValue<int>());
        Assert.Empty(results["list-corrupt-shares"]!.AsArray());
        Assert.True(results["healthy"]!.GetValue<bool>());

        var verified = JsonNode.Parse(await Gateway.OkAsync(Gateway.PostAsync(P(cap) + "?t=check&verify=true&repair=true&add-lease=true&output=JSON")))!;
        Assert.False(verified["repair-attempted"]!.GetValue<bool>());
        Assert.True(verified["pre-repair-results"]!["results"]!["healthy"]!.GetValue<bool>());
        Assert.True(verified["post-repair-results"]!["results"]!["healthy"]!.GetValue<bool>());

        var root = await Gateway.MkdirAsync();
        Assert.Equal("Healthy", (await Gateway.PostAsync(P(root) + "?t=check&output=JSON")).Json["summary"]!.GetValue<string>());
        var page = await Gateway.PostAsync(P(cap) + "?t=check");
        Assert.StartsWith("text/html", page.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Contains("healthy: all 10 shares", page.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deep_operations_stream_units_ending_with_stats_and_run_behind_operation_handles()
    {
        var root = await Gateway.MkdirAsync();
        var big = GatewayClient.Random(150_000, 11);
        await Gateway.OkAsync(Gateway.PutAsync(P(root, "big"), big), 201);
        await Gateway.OkAsync(Gateway.PutAsync(P(root, "d", "small"), "tiny"), 201);

        var manifest = (await Gateway.OkAsync(Gateway.PostAsync(P(root) + "?t=stream-manifest"))).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(5, manifest.Count);
        Assert.Empty(manifest[0]["path"]!.AsArray());
        Assert.Equal(root, manifest[0]["cap"]!.GetValue<string>());
        Assert.Equal(["directory", "directory", "file", "file", "stats"], manifest.Select(u => u["type"]!.GetValue<string>()).Order());
        var stats = manifest[^1]["stats"]!;
        Assert.Equal("stats", manifest[^1]["type"]!.GetValue<string>());
        Assert.Equal(1, stats["count-immutable-files"]!.GetValue<int>());
        Assert.Equal(1, stats["count-literal-files"]!.GetValue<int>());
        Assert.Equal(2, stats["count-directories"]!.GetValue<int>());
        Assert.Equal(150_000, stats["size-immutable-files"]!.GetValue<long>());

        var deepCheck = (await Gateway.OkAsync(Gateway.PostAsync(P(root) + "?t=stream-deep-check&verify=true"))).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.All(deepCheck.Where(u => u["type"]!.GetValue<string>() != "stats"), u => Assert.True(u["check-results"]!["results"]!["healthy"]!.GetValue<bool>()));
        var repaired = (await Gateway.OkAsync(Gateway.PostAsync(P(root) + "?t=stream-deep-check&repair=true"))).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.All(repaired.Where(u => u["type"]!.GetValue<string>() == "file" && u["storage-index"]!.GetValue<string>() != ""),
            u => Assert.True(u["check-and-repair-results"]!["post-repair-results"]!["results"]!["healthy"]!.GetValue<bool>()));

        // tahoe stats: start, a 302 to the handle, polls until finished (releasing it then).
        var started = await Gateway.PostAsync(P(root) + "?t=start-deep-stats&ophandle=H1");
        Assert.Equal(302, started.Status);
        Assert.Equal("/operations/H1", started.Header("Location"));
        JsonNode status;
        do
        {
            await Task.Delay(100);
            status = JsonNode.Parse(await Gateway.OkAsync(Gateway.GetAsync("operations/H1?t=status&output=JSON&release-after-complete=true")))!;
        }
        while (!status["finished"]!.GetValue<bool>());

        Assert.Equal(2, status["count-files"]!.GetValue<int>());
        Assert.NotNull(status["size-files-histogram"]!.AsArray());
        Assert.Equal(404, (await Gateway.GetAsync("operations/H1?t=status&output=JSON")).Status);
        Assert.Equal(302, (await Gateway.PostAsync(P(root) + "?t=start-manifest&ophandle=H2")).Status);
        Assert.Equal(400, (await Gateway.PostAsync(P(root) + "?t=start-manifest&ophandle=H2")).Status); // a handle in use

        JsonNode done;
        do
        {
            await Task.Delay(100);
            done = JsonNode.Parse(await Gateway.OkAsync(Gateway.GetAsync("operations/H2?t=status&output=JSON")))!;
        }
        while (!done["finished"]!.GetValue<bool>());

        Assert.Equal(4, done["manifest"]!.AsArray().Count);
        Assert.Equal(3, done["storage-index"]!.AsArray().Count); // the two directories and big; the literal file has none
        var text2 = await Gateway.OkAsync(Gateway.GetAsync("operations/H2?output=text"));
        Assert.StartsWith("finished: yes\n", text2, StringComparison.Ordinal);
        Assert.Contains("d/small URI:LIT:", text2, StringComparison.Ordinal);
        Assert.Contains("<html", await Gateway.OkAsync(Gateway.GetAsync("operations/H2")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Statistics_count_what_the_gateway_did()
    {
        var before = (await Gateway.GetAsync("statistics?t=json")).Json;
        await Gateway.UploadAsync(GatewayClient.Random(90_000, 12));
        var after = (await Gateway.GetAsync("statistics?t=json")).Json;
        Assert.Equal(before["counters"]!["uploader.files_uploaded"]!.GetValue<long>() + 1, after["counters"]!["uploader.files_uploaded"]!.GetValue<long>());
        Assert.True(after["stats"]!["node.uptime"]!.GetValue<double>() > 0);
    }
}
