using Granary.Hosting;
using Granary.Core.Identity;
using Granary.Core.Protocol;
using Microsoft.AspNetCore.Builder;

namespace Granary.Hub.Tests;

/// <summary>A hub on real Kestrel on loopback, on SQLite or a fresh PostgreSQL database, with a clock the test moves.</summary>
internal sealed class TestHub : IAsyncDisposable
{
    /// <summary>Where every test hub's clock starts: the instant of the spec's signing example.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 18, 27, 26, TimeSpan.Zero);

    private readonly TempDirectory _directory;
    private readonly TestDatabase _database;
    private readonly WebApplication _app;

    private TestHub(TempDirectory directory, TestDatabase database, WebApplication app, HubDirectory hub, ManualTimeProvider time)
    {
        _directory = directory;
        _database = database;
        _app = app;
        Hub = hub;
        Time = time;
        Url = HubHost.ListeningUrl(app);
        Http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Url };
        Tracker = HubHost.Tracker(app);
        if (Tracker is not null)
        {
            TrackerHttp = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Tracker.Url, Timeout = TimeSpan.FromMinutes(2) };
        }
    }

    /// <summary>The hub's P2PFlix tracker (null when configured off).</summary>
    public Granary.Hub.Tracker.TrackerService? Tracker { get; }

    /// <summary>A client of the tracker's own listener.</summary>
    public HttpClient TrackerHttp { get; } = new();

    public HubDirectory Hub { get; }

    /// <summary>The hub's own address: what farmers sign to.</summary>
    public string Address => Hub.Address;

    public ManualTimeProvider Time { get; }

    public Uri Url { get; }

    public HttpClient Http { get; }

    public string DirectoryPath => _directory.Path;

    public static async Task<TestHub> StartAsync(Backend backend, Action<HubOptions>? configure = null) => await StartAsync(backend, configure, null);

    public static async Task<TestHub> StartAsync(Backend backend, Action<HubOptions>? configure, Granary.Hub.Tracker.TrackerHostOptions? tracker, TimeProvider? clock = null)
    {
        var directory = new TempDirectory("granary-hub");
        var database = await TestDatabase.CreateAsync(backend);
        var options = new HubOptions { Port = 0, Database = database.Url };
        // Every test client is 127.0.0.1: the rate limit is off unless a test turns it on.
        options.Tracker.RateLimitPerSecond = 0;
        configure?.Invoke(options);
        var hub = HubDirectory.Create(directory.Path, options);
        var time = new ManualTimeProvider(Start);
        var app = await HubHost.BuildAsync(hub, new ServerHostOptions { Port = 0, Time = clock ?? time, Logging = _ => { } }, tracker ?? new Granary.Hub.Tracker.TrackerHostOptions { Port = 0 });
        await app.StartAsync();
        return new TestHub(directory, database, app, hub, time);
    }

    /// <summary>A GET signed by <paramref name="farmer"/> as dataserv-client signs: Date now (or <paramref name="date"/>), Authorization over "hub-address Date".</summary>
    public HttpRequestMessage Signed(string path, PrivateKey farmer, string? date = null, string? recipient = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        date ??= DataservAuthentication.FormatDate(Time.GetUtcNow());
        request.Headers.TryAddWithoutValidation("Date", date);
        request.Headers.TryAddWithoutValidation("Authorization", BitcoinMessage.Sign(farmer, DataservAuthentication.SignedText(recipient ?? Address, date)));
        return request;
    }

    public async Task<(int Status, string Body, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public Task<(int Status, string Body, HttpResponseMessage Response)> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>Registers a new farmer (payout to itself) and returns its key.</summary>
    public async Task<PrivateKey> RegisterAsync(PrivateKey? farmer = null)
    {
        farmer ??= PrivateKey.Generate();
        var (status, body, _) = await SendAsync(Signed($"/api/register/{farmer.Address}", farmer));
        Assert.True(status == 200, body);
        return farmer;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        TrackerHttp.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
        _directory.Dispose();
    }
}
