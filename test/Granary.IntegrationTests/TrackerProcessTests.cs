using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>Two hubs as separate processes, federated with the CLI's own commands while they run.</summary>
public sealed class TrackerProcessTests : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly TempDirectory _dir = new("granary-tracker-process");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Two_hubs_federate_through_members_add_without_a_restart(Backend backend)
    {
        await using var databaseA = await TestDatabase.CreateAsync(backend);
        await using var databaseB = await TestDatabase.CreateAsync(backend);
        var (portA, portB) = (FreePort(), FreePort());
        var a = _dir.File("a");
        var b = _dir.File("b");
        await RunOkAsync("hub", "create", a, "--tracker-id", "alpha", "--tracker-urls", $"http://127.0.0.1:{portA}");
        await RunOkAsync("hub", "create", b, "--tracker-id", "beta", "--tracker-urls", $"http://127.0.0.1:{portB}");
        await using var hubA = RunningProcess.Start(Run(a, databaseA.Url));
        await using var hubB = RunningProcess.Start(Run(b, databaseB.Url, "--tracker-keepalive-timeout", "60"));
        await hubA.WaitForOutputAsync("tracker http://", TimeSpan.FromSeconds(60));
        await hubB.WaitForOutputAsync("tracker http://", TimeSpan.FromSeconds(60));
        var trackerA = new Uri($"http://127.0.0.1:{portA}/");
        var trackerB = new Uri($"http://127.0.0.1:{portB}/");
        Assert.Contains($"tracker {trackerA}", hubA.Output, StringComparison.Ordinal);

        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await RunOkAsync("hub", "members", "add", a, "--id", "beta", "--url", trackerB.ToString(), "--key", key);
        await RunOkAsync("hub", "members", "add", b, "--id", "alpha", "--url", trackerA.ToString(), "--key", key, "--name", "Alpha");
        var listed = await GranaryProcess.RunAsync(["hub", "members", "list", b]);
        Assert.Contains("alpha\tAlpha\t" + trackerA, listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, listed.Output, StringComparison.Ordinal);
        Assert.True(SecretFileIsPrivate(Path.Combine(a, "tracker-members.json")));
        var wrongKey = await GranaryProcess.RunAsync(["hub", "members", "add", a, "--id", "x", "--url", "http://h:1/", "--key", Convert.ToBase64String(new byte[16])]);
        Assert.Equal(2, wrongKey.ExitCode);
        Assert.Contains("32 bytes", wrongKey.Error, StringComparison.Ordinal);

        // Both hubs pick the members up while running; a client's file on A reaches B.
        await WaitAsync(async () => (await GetAsync(trackerA, "tracker_list")).GetProperty("trackers").GetArrayLength() == 1, "A lists B");
        var added = await PostAsync(trackerA, "add_file", """{"name":"clip.mp4","full_hash":"c1","chunks":[{"id":0,"name":"c1#0","hash":"h0"}],"guid":null,"seq_number":0}""");
        var guid = added.GetProperty("guid").GetString();
        await WaitAsync(async () => (await GetAsync(trackerB, "file_list")).GetProperty("files").GetArrayLength() == 1, "B has the file");
        Assert.Equal(1, (await GetAsync(trackerB, $"peer_status/{guid}")).GetProperty("expected_seq_number").GetInt64());

        // The dashboard shows the member online.
        using var page = JsonDocument.Parse(await Http.GetStringAsync(new Uri(new Uri(hubA.Output.Split('\n')[0]), "ui/tracker.json")));
        Assert.True(page.RootElement.GetProperty("members")[0].GetProperty("online").GetBoolean());

        // Removing the member stops the gossip, still without a restart.
        await RunOkAsync("hub", "members", "remove", a, "--id", "beta");
        await WaitAsync(async () => (await GetAsync(trackerA, "tracker_list")).GetProperty("trackers").GetArrayLength() == 0, "A forgets B");
    }

    private static string[] Run(string dir, string? database, params string[] more) =>
        [.. (database is null ? ["hub", "run", dir] : new[] { "hub", "run", dir, "--database", database }), .. more];

    private static async Task RunOkAsync(params string[] args)
    {
        var result = await GranaryProcess.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"granary {string.Join(' ', args)}: {result.Error}");
    }

    private static async Task<JsonElement> GetAsync(Uri tracker, string path)
    {
        using var response = await Http.GetAsync(new Uri(tracker, path));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task<JsonElement> PostAsync(Uri tracker, string path, string json)
    {
        using var response = await Http.PostAsync(new Uri(tracker, path), new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(200);
        }
    }

    private static bool SecretFileIsPrivate(string path) => OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) == 0;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
