using System.Data.Common;
using Granary.Hosting;
using Granary.Hub.Data;
using Granary.Hub.Tracker.Federation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Granary.Hub.Tracker;

/// <summary>How to host the tracker beyond what hub.json says: for tests and benchmarks.</summary>
public sealed class TrackerHostOptions
{
    /// <summary>Listen on this port instead of the configured one (0: any free port).</summary>
    public int? Port { get; init; }

    /// <summary>Wraps the handler federation requests go through (tests inject loss here).</summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? GossipHandler { get; init; }

    /// <summary>How often the members file is checked for changes.</summary>
    public TimeSpan MembersPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often an address gets <see cref="TrackerOptions.RateLimitPerSecond"/> tokens back (tests stretch it so a burst sees none).</summary>
    public TimeSpan RateLimitPeriod { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The tracker inside a hub: its own Kestrel listener (port 42070 by default, so the legacy
/// client finds it), on the hub's database, with the federation's senders and the members file
/// watched so that <c>granary hub members …</c> takes effect without a restart.
/// </summary>
public sealed class TrackerService : IHostedService, IAsyncDisposable
{
    private readonly HubDirectory _hub;
    private readonly ServerHostOptions _host;
    private readonly TrackerHostOptions _trackerHost;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TrackerRateLimit _rateLimit;
    private WebApplication? _app;
    private int _stopped;
    private Task _watch = Task.CompletedTask;
    private (DateTime Written, long Length) _membersStamp = (DateTime.MinValue, -1);

    internal TrackerService(HubDirectory hub, HubDatabase database, ServerHostOptions host, TrackerHostOptions? trackerHost, ILogger logger)
    {
        _hub = hub;
        _host = host;
        _trackerHost = trackerHost ?? new TrackerHostOptions();
        _logger = logger;
        Options = hub.Options.Tracker;
        Id = Options.EffectiveId(hub.Address);
        Journal = new TrackerJournal(Id);
        Store = new TrackerStore(database, Journal, host.Time);
        _rateLimit = new TrackerRateLimit(Options.RateLimitPerSecond, Options.EffectiveRateLimitBurst, _trackerHost.RateLimitPeriod);
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) };
        Federation = new TrackerFederation(Store, Options, host.Time, logger, _trackerHost.GossipHandler?.Invoke(handler) ?? handler);
    }

    public string Id { get; }

    public TrackerOptions Options { get; }

    internal TrackerJournal Journal { get; }

    internal TrackerStore Store { get; }

    internal TrackerFederation Federation { get; }

    /// <summary>Where the tracker listens, once started.</summary>
    public Uri Url => _app is null ? throw new InvalidOperationException("The tracker is not started.") : GranaryWebApp.ListeningAddress(_app)!;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ReloadMembersAsync(cancellationToken).ConfigureAwait(false);
        Federation.Start();

        var listen = Options.ListenUrl(_hub.Options.Host);
        var builder = GranaryWebApp.CreateBuilder(
            "granary-tracker", _hub.Path, listen.Host.Trim('[', ']'), listen.Port,
            new ServerHostOptions { Port = _trackerHost.Port, Time = _host.Time, Logging = _host.Logging },
            kestrel =>
            {
                // Bodies are limited by the tracker itself, so that a large one gets §1.2's JSON 413.
                kestrel.Limits.MaxRequestBodySize = null;
                kestrel.Limits.MaxRequestHeaderCount = 64;
                // §10.16's request timeouts, so that slow-loris clients cannot hold connections: headers
                // within a bound, bodies no slower than a floor. Answers keep Kestrel's floor (240 B/s)
                // with a longer grace, so a slow but live reader of a streamed file_list is not cut.
                kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(Options.RequestHeadersTimeoutSeconds);
                kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(Options.IdleTimeoutSeconds);
                kestrel.Limits.MinRequestBodyDataRate = Options.MinRequestBodyBytesPerSecond > 0
                    ? new MinDataRate(Options.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(10))
                    : null;
                kestrel.Limits.MinResponseDataRate = new MinDataRate(240, TimeSpan.FromSeconds(10));
            });
        var app = builder.Build();
        var api = new TrackerApi(Store, Federation, Options, _rateLimit, _logger);
        app.Run(api.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"the tracker cannot listen on {listen.Authority}: {e.Message} (set tracker.urls in hub.json, or --tracker-urls)", e);
        }

        _app = app;
        _watch = Task.Run(() => WatchMembersAsync(_stopping.Token), CancellationToken.None);
        TrackerLog.Serving(_logger, Id, Url.ToString(), Options.KeepAliveTimeoutSeconds, Options.LegacyHttpStatus ? "HTTP 200 for every answer (legacy)" : "REST status codes");
        TrackerLog.Limits(_logger, Options.RateLimitPerSecond, Options.EffectiveRateLimitBurst, Options.RequestHeadersTimeoutSeconds, Options.IdleTimeoutSeconds);
    }

    /// <summary>Reads the members file again (the watcher does this when it changes); an invalid file keeps the members there were.</summary>
    public async Task ReloadMembersAsync(CancellationToken cancellationToken)
    {
        var path = TrackerMembers.PathIn(_hub.Path);
        var stamp = Stamp(path);
        IReadOnlyList<TrackerMember> members;
        try
        {
            members = TrackerMembers.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            _membersStamp = stamp;
            TrackerLog.MembersInvalid(_logger, path, e.Message);
            return;
        }

        try
        {
            await Federation.SetMembersAsync(members, cancellationToken).ConfigureAwait(false);
            _membersStamp = stamp;
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            // The file is kept unapplied (its stamp unrecorded), so the watcher tries it again.
            TrackerLog.MembersDeferred(_logger, path, e.Message);
        }
    }

    private async Task WatchMembersAsync(CancellationToken cancellationToken)
    {
        var path = TrackerMembers.PathIn(_hub.Path);
        using var timer = new PeriodicTimer(_trackerHost.MembersPoll, TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (Stamp(path) != _membersStamp)
                {
                    await ReloadMembersAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static (DateTime, long) Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host may stop its services more than once (on a signal, then when the command ends).
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _watch.ConfigureAwait(false);
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        await Federation.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }

        _stopping.Dispose();
        _rateLimit.Dispose();
    }
}
