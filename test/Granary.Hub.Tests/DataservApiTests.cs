using System.Text.Json;
using Granary.Core.Identity;
using Granary.Core.Protocol;

namespace Granary.Hub.Tests;

/// <summary>
/// dataserv 2.2.11's API as ../shared/specs/dataserv-api.md describes it, over real HTTP, run once
/// against SQLite and once against PostgreSQL (the subclasses at the end).
/// </summary>
public abstract class DataservApiTests
{
    private const string TextType = "text/html; charset=utf-8";

    protected abstract Backend Backend { get; }

    private Task<TestHub> StartAsync(Action<HubOptions>? configure = null) => TestHub.StartAsync(Backend, configure);

    [Fact]
    public async Task The_index_says_hello()
    {
        await using var hub = await StartAsync();
        var (status, body, response) = await hub.GetAsync("/");
        Assert.Equal(200, status);
        Assert.Equal("Hello World.", body);
        Assert.Equal(TextType, response.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task The_address_is_the_hubs_own_as_pretty_json_without_cors()
    {
        await using var hub = await StartAsync();
        var (status, body, response) = await hub.GetAsync("/api/address");
        Assert.Equal(200, status);
        Assert.Equal($"{{\n  \"address\": \"{hub.Address}\"\n}}", body);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(hub.Hub.Key.Address.ToString(), hub.Address);
    }

    [Fact]
    public async Task Registration_stores_the_farmer_and_answers_with_its_row()
    {
        await using var hub = await StartAsync();
        var farmer = PrivateKey.Generate();
        var payout = PrivateKey.Generate().Address.ToString();
        var (status, body, response) = await hub.SendAsync(hub.Signed($"/api/register/{farmer.Address}/{payout}", farmer));
        Assert.Equal(200, status);
        Assert.Equal($"{{\"btc_addr\": \"{farmer.Address}\", \"payout_addr\": \"{payout}\", \"last_seen\": 0, \"height\": 0}}", body);
        Assert.Equal(TextType, response.Content.Headers.ContentType!.ToString());

        var online = await OnlineJsonAsync(hub);
        var entry = Assert.Single(online);
        Assert.Equal(farmer.Address.ToString(), entry.GetProperty("btc_addr").GetString());
        Assert.Equal(payout, entry.GetProperty("payout_addr").GetString());
    }

    [Fact]
    public async Task The_one_segment_form_pays_out_to_the_farmer_itself()
    {
        await using var hub = await StartAsync();
        var farmer = PrivateKey.Generate();
        var (status, body, _) = await hub.SendAsync(hub.Signed($"/api/register/{farmer.Address}", farmer));
        Assert.Equal(200, status);
        Assert.Contains($"\"payout_addr\": \"{farmer.Address}\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registering_twice_is_a_conflict_but_farmers_may_share_a_payout_address()
    {
        await using var hub = await StartAsync();
        var payout = PrivateKey.Generate().Address.ToString();
        var first = PrivateKey.Generate();
        var second = PrivateKey.Generate();
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/register/{first.Address}/{payout}", first))).Status);
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/register/{second.Address}/{payout}", second))).Status);

        var (status, body, _) = await hub.SendAsync(hub.Signed($"/api/register/{first.Address}/{payout}", first));
        Assert.Equal(409, status);
        Assert.Equal("Registration Failed: Address already is registered.", body);
    }

    [Fact]
    public async Task Registration_checks_the_address_then_the_headers_then_the_payout_address()
    {
        await using var hub = await StartAsync();
        var farmer = PrivateKey.Generate();

        var bad = await hub.SendAsync(hub.Signed("/api/register/notvalidaddress", farmer));
        Assert.Equal((400, "Registration Failed: Invalid Bitcoin address."), (bad.Status, bad.Body));

        var unsigned = await hub.GetAsync($"/api/register/{farmer.Address}/notvalidaddress");
        Assert.Equal((401, "Registration Failed: Invalid authentication headers."), (unsigned.Status, unsigned.Body));

        var badPayout = await hub.SendAsync(hub.Signed($"/api/register/{farmer.Address}/notvalidaddress", farmer));
        Assert.Equal((400, "Registration Failed: Invalid Bitcoin address."), (badPayout.Status, badPayout.Body));
        Assert.Empty(await OnlineJsonAsync(hub));
    }

    [Fact]
    public async Task A_script_address_can_be_paid_but_can_never_sign_in()
    {
        await using var hub = await StartAsync();
        var farmer = PrivateKey.Generate();
        const string script = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy";
        Assert.Equal(401, (await hub.SendAsync(hub.Signed($"/api/register/{script}", farmer))).Status);
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/register/{farmer.Address}/{script}", farmer))).Status);
    }

    [Fact]
    public async Task Ping_checks_the_address_then_the_headers_then_registration()
    {
        await using var hub = await StartAsync();
        var farmer = PrivateKey.Generate();
        Assert.Equal((400, "Ping Failed: Invalid Bitcoin address."), Short(await hub.SendAsync(hub.Signed("/api/ping/1nvalid", farmer))));
        Assert.Equal((401, "Ping Failed: Invalid authentication headers."), Short(await hub.GetAsync($"/api/ping/{farmer.Address}")));
        Assert.Equal((404, "Ping Failed: Farmer not found."), Short(await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer))));
        await hub.RegisterAsync(farmer);
        Assert.Equal((200, "Ping accepted."), Short(await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer))));
    }

    [Fact]
    public async Task A_ping_moves_last_seen_only_once_max_ping_has_passed()
    {
        await using var hub = await StartAsync(o => (o.MaxPingSeconds, o.CacheSeconds) = (10, 0));
        var farmer = await hub.RegisterAsync();

        hub.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer))).Status);
        Assert.Equal(9, LastSeen(Assert.Single(await OnlineJsonAsync(hub))));

        hub.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer))).Status);
        Assert.Equal(0, LastSeen(Assert.Single(await OnlineJsonAsync(hub))));
    }

    [Fact]
    public async Task With_max_ping_zero_every_ping_counts()
    {
        await using var hub = await StartAsync(o => (o.MaxPingSeconds, o.CacheSeconds) = (0, 0));
        var farmer = await hub.RegisterAsync();
        hub.Time.Advance(TimeSpan.FromSeconds(3));
        await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer));
        Assert.Equal(0, LastSeen(Assert.Single(await OnlineJsonAsync(hub))));
    }

    [Fact]
    public async Task A_ping_a_day_and_a_few_seconds_later_is_ignored_as_dataserv_ignored_it()
    {
        await using var hub = await StartAsync(o => (o.OnlineWindowSeconds, o.CacheSeconds) = (86400 * 3, 0));
        var farmer = await hub.RegisterAsync();
        hub.Time.Advance(TimeSpan.FromSeconds(86400 + 5));
        await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer));
        Assert.Equal(5, LastSeen(Assert.Single(await OnlineJsonAsync(hub)))); // timedelta.seconds: days dropped
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("5.0")]
    [InlineData("1e3")]
    [InlineData("abc")]
    public async Task A_height_that_is_not_digits_matches_no_route(string height)
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        var (status, body, _) = await hub.SendAsync(hub.Signed($"/api/height/{farmer.Address}/{height}", farmer));
        Assert.Equal(404, status);
        Assert.Contains("<title>404 Not Found</title>", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Height_checks_address_headers_limit_and_registration_in_that_order()
    {
        await using var hub = await StartAsync();
        var farmer = PrivateKey.Generate();
        Assert.Equal((400, "Invalid Bitcoin address."), Short(await hub.SendAsync(hub.Signed("/api/height/1nvalid/5", farmer))));
        Assert.Equal((401, "Set height failed: Invalid authentication headers."), Short(await hub.GetAsync($"/api/height/{farmer.Address}/5")));
        Assert.Equal((413, "Height limit exceeded."), Short(await hub.SendAsync(hub.Signed($"/api/height/{farmer.Address}/200000", farmer))));
        Assert.Equal((413, "Height limit exceeded."), Short(await hub.SendAsync(hub.Signed($"/api/height/{farmer.Address}/1000000000000000000000000000000", farmer))));
        Assert.Equal((404, "Farmer not found."), Short(await hub.SendAsync(hub.Signed($"/api/height/{farmer.Address}/5", farmer))));
    }

    [Fact]
    public async Task Height_is_stored_with_leading_zeros_read_as_the_number_and_counts_as_being_seen()
    {
        await using var hub = await StartAsync(o => (o.MaxPingSeconds, o.CacheSeconds) = (60, 0));
        var farmer = await hub.RegisterAsync();
        hub.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal((200, "Height accepted."), Short(await hub.SendAsync(hub.Signed($"/api/height/{farmer.Address}/0199999", farmer))));
        var entry = Assert.Single(await OnlineJsonAsync(hub));
        Assert.Equal(199999, entry.GetProperty("height").GetInt32());
        Assert.Equal(0, LastSeen(entry));
    }

    [Fact]
    public async Task Online_lists_tallest_first_then_by_registration_in_both_forms()
    {
        await using var hub = await StartAsync(o => o.CacheSeconds = 0);
        var a = await hub.RegisterAsync();
        var b = await hub.RegisterAsync();
        var c = await hub.RegisterAsync();
        await hub.SendAsync(hub.Signed($"/api/height/{b.Address}/7", b));
        await hub.SendAsync(hub.Signed($"/api/height/{c.Address}/7", c));
        hub.Time.Advance(TimeSpan.FromSeconds(75));

        var json = await OnlineJsonAsync(hub);
        Assert.Equal([b.Address.ToString(), c.Address.ToString(), a.Address.ToString()], json.Select(f => f.GetProperty("btc_addr").GetString()));
        Assert.All(json, f => Assert.Equal(75, LastSeen(f)));

        var (status, text, response) = await hub.GetAsync("/api/online");
        Assert.Equal(200, status);
        Assert.Equal(TextType, response.Content.Headers.ContentType!.ToString());
        Assert.Equal($"{b.Address} |  Last Seen: 1 minute(s) | Height: 7<br/>{c.Address} |  Last Seen: 1 minute(s) | Height: 7<br/>{a.Address} |  Last Seen: 1 minute(s) | Height: 0<br/>", text);
    }

    [Fact]
    public async Task Online_means_seen_strictly_within_the_window()
    {
        await using var hub = await StartAsync(o => (o.OnlineWindowSeconds, o.CacheSeconds) = (10, 0));
        await hub.RegisterAsync();
        hub.Time.Advance(TimeSpan.FromSeconds(9.999));
        Assert.Single(await OnlineJsonAsync(hub));
        hub.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Empty(await OnlineJsonAsync(hub));
        Assert.Equal("", (await hub.GetAsync("/api/online")).Body);
    }

    [Fact]
    public async Task Online_json_is_pretty_sorted_and_open_to_every_origin_unless_asked_by_xhr()
    {
        await using var hub = await StartAsync(o => o.CacheSeconds = 0);
        Assert.Equal("{\n  \"farmers\": []\n}", (await hub.GetAsync("/api/online/json")).Body);
        var farmer = await hub.RegisterAsync();

        var (_, pretty, response) = await hub.GetAsync("/api/online/json");
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(
            $"{{\n  \"farmers\": [\n    {{\n      \"btc_addr\": \"{farmer.Address}\",\n      \"height\": 0,\n      \"last_seen\": 0,\n      \"payout_addr\": \"{farmer.Address}\"\n    }}\n  ]\n}}",
            pretty);

        var xhr = new HttpRequestMessage(HttpMethod.Get, "/api/online/json");
        xhr.Headers.Add("X-Requested-With", "xmlhttprequest");
        Assert.Equal(
            $"{{\"farmers\": [{{\"btc_addr\": \"{farmer.Address}\", \"height\": 0, \"last_seen\": 0, \"payout_addr\": \"{farmer.Address}\"}}]}}",
            (await hub.SendAsync(xhr)).Body);
    }

    [Fact]
    public async Task Total_counts_online_farmers_rounds_half_to_even_and_numbers_half_hours()
    {
        await using var hub = await StartAsync(o => o.CacheSeconds = 0);
        Assert.Equal($"{{\n  \"id\": {hub.Time.GetUtcNow().ToUnixTimeSeconds() / 1800},\n  \"total_TB\": 0.0,\n  \"total_farmers\": 0\n}}", (await hub.GetAsync("/api/total")).Body);

        var a = await hub.RegisterAsync();
        var b = await hub.RegisterAsync();
        await hub.SendAsync(hub.Signed($"/api/height/{a.Address}/1000", a));
        await hub.SendAsync(hub.Signed($"/api/height/{b.Address}/24", b)); // 1024 shards: 0.125 TB, a tie, to even
        var (status, body, response) = await hub.GetAsync("/api/total");
        Assert.Equal(200, status);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        using var total = JsonDocument.Parse(body);
        Assert.Equal(2, total.RootElement.GetProperty("total_farmers").GetInt32());
        Assert.Contains("\"total_TB\": 0.12,", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cached_responses_are_keyed_by_path_alone_and_live_for_the_cache_lifetime()
    {
        await using var hub = await StartAsync(o => o.CacheSeconds = 30);
        var xhr = new HttpRequestMessage(HttpMethod.Get, "/api/online/json?first=1");
        xhr.Headers.Add("X-Requested-With", "XMLHttpRequest");
        Assert.Equal("{\"farmers\": []}", (await hub.SendAsync(xhr)).Body);
        await hub.RegisterAsync();

        // Another rendering asked for, a farmer registered since: the first answer still stands, CORS included.
        var (_, body, response) = await hub.GetAsync("/api/online/json");
        Assert.Equal("{\"farmers\": []}", body);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());

        hub.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(await OnlineJsonAsync(hub));
    }

    [Fact]
    public async Task A_cached_response_is_gzipped_for_clients_that_ask_and_decodes_to_the_same_bytes()
    {
        await using var hub = await StartAsync();
        for (var i = 0; i < 12; i++)
        {
            await hub.RegisterAsync();
        }

        var plain = await hub.GetAsync("/api/online/json");
        Assert.Null(plain.Response.Content.Headers.ContentEncoding.FirstOrDefault());
        Assert.Equal("Accept-Encoding", plain.Response.Headers.Vary.Single());

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/online/json");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "br;q=0.9, gzip");
        var response = await hub.Http.SendAsync(request);
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
        var compressed = await response.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < plain.Body.Length / 2);
        await using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress);
        using var decoded = new StreamReader(gzip);
        Assert.Equal(plain.Body, await decoded.ReadToEndAsync());

        var refused = new HttpRequestMessage(HttpMethod.Get, "/api/online/json");
        refused.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip;q=0");
        Assert.Empty((await hub.Http.SendAsync(refused)).Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Unknown_paths_trailing_slashes_and_later_dataserv_routes_are_not_found()
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        foreach (var path in new[] { "/api/online/", $"/api/register/{farmer.Address}/", "/api/audit/x/1/y", "/api/nothing", "/api", "/nothing" })
        {
            Assert.True((await hub.GetAsync(path)).Status == 404, path);
        }

        Assert.Equal(404, (await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}%2Fextra", farmer))).Status);
    }

    [Fact]
    public async Task Path_parameters_are_percent_decoded()
    {
        await using var hub = await StartAsync();
        var farmer = PrivateKey.Generate();
        var escaped = string.Concat(farmer.Address.ToString().Select(c => $"%{(int)c:X2}"));
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/register/{escaped}", farmer))).Status);
    }

    [Fact]
    public async Task Other_methods_get_405_options_lists_the_allowed_ones_and_head_has_no_body()
    {
        await using var hub = await StartAsync();
        var post = await hub.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/online"));
        Assert.Equal(405, post.Status);
        Assert.Equal(["GET", "HEAD", "OPTIONS"], post.Response.Content.Headers.Allow.Order());

        var options = await hub.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/api/total"));
        Assert.Equal((200, ""), (options.Status, options.Body));
        Assert.Equal(["GET", "HEAD", "OPTIONS"], options.Response.Content.Headers.Allow.Order());

        // HEAD announces the length GET sends. (Addresses are 33 or 34 characters, so the length
        // comes from a real GET rather than a constant.)
        var get = await hub.GetAsync("/api/address");
        var head = await hub.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/address"));
        Assert.Equal((200, ""), (head.Status, head.Body));
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(get.Body), head.Response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Missing_authorization_or_date_is_refused()
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        var noAuthorization = hub.Signed($"/api/ping/{farmer.Address}", farmer);
        noAuthorization.Headers.Remove("Authorization");
        Assert.Equal(401, (await hub.SendAsync(noAuthorization)).Status);

        var noDate = hub.Signed($"/api/ping/{farmer.Address}", farmer);
        noDate.Headers.Remove("Date");
        Assert.Equal(401, (await hub.SendAsync(noDate)).Status);

        var empty = hub.Signed($"/api/ping/{farmer.Address}", farmer);
        empty.Headers.Remove("Authorization");
        empty.Headers.TryAddWithoutValidation("Authorization", "");
        Assert.Equal(401, (await hub.SendAsync(empty)).Status);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("AAAA")]
    [InlineData("H3co4tioWXW650b9DEaswyK6T5Qiym1OjZ8JFrtDed30HdN0EfPuedwMUu3Ypta1W+YsSx+IDwCzKi2N2Gr7QHI")]
    public async Task An_authorization_that_is_not_65_bytes_of_base64_is_a_400_as_in_dataserv(string authorization)
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        var request = hub.Signed($"/api/ping/{farmer.Address}", farmer);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        Assert.Equal((400, "Ping Failed: Invalid Bitcoin address."), Short(await hub.SendAsync(request)));
    }

    [Theory]
    [InlineData("{0:ddd, dd MMM yyyy HH:mm:ss} +0000", 0)]
    [InlineData("{0:ddd, dd MMM yyyy HH:mm:ss} GMT", 0)]
    [InlineData("{0:ddd, dd MMM yyyy HH:mm:ss} +0530", 5.5)]
    [InlineData("{0:ddd, dd MMM yyyy HH:mm:ss} -0800", -8)]
    public async Task Dates_in_any_zone_are_accepted(string format, double zoneHours)
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        var local = hub.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(zoneHours));
        var date = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, local);
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer, date))).Status);
    }

    [Theory]
    [InlineData(-15, 200)]
    [InlineData(15, 200)]
    [InlineData(-20, 401)]
    [InlineData(25, 401)]
    [InlineData(-86400, 401)]
    public async Task The_date_must_be_within_the_auth_window(int offsetSeconds, int expected)
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        var date = DataservAuthentication.FormatDate(hub.Time.GetUtcNow().AddSeconds(offsetSeconds));
        Assert.Equal(expected, (await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer, date))).Status);
    }

    [Theory]
    [InlineData("not a date")]
    [InlineData("2026-11-21T18:27:26Z")]
    public async Task An_unparseable_date_is_a_401_where_dataserv_crashed(string date)
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        Assert.Equal((401, "Ping Failed: Invalid authentication headers."), Short(await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer, date))));
    }

    [Fact]
    public async Task Signatures_by_the_wrong_key_for_the_wrong_hub_or_over_another_date_are_refused()
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        var path = $"/api/ping/{farmer.Address}";
        Assert.Equal(401, (await hub.SendAsync(hub.Signed(path, PrivateKey.Generate()))).Status);
        Assert.Equal(401, (await hub.SendAsync(hub.Signed(path, farmer, recipient: "16ZcxFDdkVJR1P8GMNmWFyhS4EKrRMsWNG"))).Status);

        var otherDate = hub.Signed(path, farmer, DataservAuthentication.FormatDate(hub.Time.GetUtcNow().AddSeconds(-1)));
        otherDate.Headers.Remove("Date");
        otherDate.Headers.TryAddWithoutValidation("Date", DataservAuthentication.FormatDate(hub.Time.GetUtcNow()));
        Assert.Equal(401, (await hub.SendAsync(otherDate)).Status);
    }

    [Theory]
    [InlineData(4)] // compressed flag flipped: another address
    [InlineData(8)] // header 35: out of range
    public async Task A_tampered_signature_header_is_refused(int add)
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        var request = hub.Signed($"/api/ping/{farmer.Address}", farmer);
        var signature = Convert.FromBase64String(request.Headers.GetValues("Authorization").Single());
        signature[0] = (byte)(signature[0] + add);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", Convert.ToBase64String(signature));
        Assert.Equal(401, (await hub.SendAsync(request)).Status);
    }

    [Fact]
    public async Task Uncompressed_keys_and_lower_case_header_names_work()
    {
        await using var hub = await StartAsync();
        using var uncompressed = PrivateKey.FromSecret(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), compressed: false);
        var date = DataservAuthentication.FormatDate(hub.Time.GetUtcNow());
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/register/{uncompressed.Address}");
        request.Headers.TryAddWithoutValidation("date", date);
        request.Headers.TryAddWithoutValidation("authorization", BitcoinMessage.Sign(uncompressed, DataservAuthentication.SignedText(hub.Address, date)));
        Assert.Equal(200, (await hub.SendAsync(request)).Status);
    }

    [Fact]
    public async Task The_specs_signing_example_authenticates_against_a_hub_at_that_address()
    {
        await using var hub = await StartAsync();
        var (date, signature) = ("Sat, 21 Nov 2026 18:27:26 +0000", DataservKnownAnswers.String("sign_signature_b64"));
        var message = DataservKnownAnswers.String("sign_message");
        Assert.EndsWith(date, message, StringComparison.Ordinal);

        // The example signs to dataserv's default address, not this hub's: checked through the same code path.
        var authenticator = new Dataserv.DataservAuthenticator("16ZcxFDdkVJR1P8GMNmWFyhS4EKrRMsWNG", hub.Time, TimeSpan.FromSeconds(20));
        Assert.Equal(Dataserv.AuthOutcome.Accepted, authenticator.Check(DataservKnownAnswers.String("sign_address"), signature, date));
        Assert.Equal(Dataserv.AuthOutcome.Accepted, authenticator.Check(
            DataservKnownAnswers.String("sign_uncompressed_address"), DataservKnownAnswers.String("sign_uncompressed_signature_b64"), date));
        Assert.Equal(Dataserv.AuthOutcome.Refused, authenticator.Check(DataservKnownAnswers.String("sign_uncompressed_address"), signature, date));
    }

    [Fact]
    public async Task Hostile_requests_get_4xx_and_nothing_breaks()
    {
        await using var hub = await StartAsync();
        var farmer = await hub.RegisterAsync();
        var huge = new string('1', 20_000);
        Assert.InRange((await hub.GetAsync($"/api/ping/{huge}")).Status, 400, 499);
        Assert.Equal(400, (await hub.GetAsync($"/api/ping/{new string('z', 300)}")).Status);

        var garbage = new HttpRequestMessage(HttpMethod.Get, $"/api/ping/{farmer.Address}");
        garbage.Headers.TryAddWithoutValidation("Date", new string('x', 4000));
        garbage.Headers.TryAddWithoutValidation("Authorization", new string('=', 4000));
        Assert.InRange((await hub.SendAsync(garbage)).Status, 400, 499);

        // Expect: 100-continue lets the hub refuse before the body is sent, rather than cutting it off mid-send.
        var body = new HttpRequestMessage(HttpMethod.Post, "/api/ping/x") { Content = new ByteArrayContent(new byte[1 << 20]) };
        body.Headers.ExpectContinue = true;
        Assert.InRange((await hub.SendAsync(body)).Status, 400, 499);
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/ping/{farmer.Address}", farmer))).Status);
    }

    private static async Task<JsonElement[]> OnlineJsonAsync(TestHub hub)
    {
        var (status, body, _) = await hub.GetAsync("/api/online/json");
        Assert.Equal(200, status);
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.GetProperty("farmers").EnumerateArray().Select(e => e.Clone())];
    }

    private static long LastSeen(JsonElement farmer) => farmer.GetProperty("last_seen").GetInt64();

    private static (int Status, string Body) Short((int Status, string Body, HttpResponseMessage Response) result) => (result.Status, result.Body);
}

public sealed class DataservApiOnSqliteTests : DataservApiTests
{
    protected override Backend Backend => Backend.Sqlite;
}

public sealed class DataservApiOnPostgresTests : DataservApiTests
{
    protected override Backend Backend => Backend.Postgres;
}
