using Granary.Hosting;
using Granary.Hub.Dashboard;
using Granary.Hub.Data;
using Granary.Hub.Dataserv;
using Granary.Hub.Downstream;
using Granary.Hub.HeightAudit;
using Granary.Hub.Introducer;
using Granary.Hub.Keeper;
using Granary.Hub.Tracker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Granary.Hub;

/// <summary>Builds the hub's web application: database (migrated), dataserv API, downstream node, introducer and dashboard on Kestrel.</summary>
public static class HubHost
{
    public static Task<WebApplication> BuildAsync(HubDirectory hub, ServerHostOptions? host = null, CancellationToken cancellationToken = default) =>
        BuildAsync(hub, host, null, cancellationToken);

    /// <summary>As above, with the tracker hosted as <paramref name="tracker"/> says (tests, benchmarks).</summary>
    public static async Task<WebApplication> BuildAsync(HubDirectory hub, ServerHostOptions? host, TrackerHostOptions? tracker, CancellationToken cancellationToken = default)
    {
        host ??= new ServerHostOptions();
        var options = hub.Options;
        var database = HubDatabase.Open(hub);
        var contracts = new DownstreamStore(database);
        byte[] heartbeatKey;
        try
        {
            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            heartbeatKey = await contracts.HeartbeatKeyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var builder = GranaryWebApp.CreateBuilder("granary-hub", hub.Path, options.Host, options.Port, host, kestrel => kestrel.Limits.MaxRequestHeaderCount = 64);
        builder.Services.AddSingleton(_ => database); // the container disposes it with the app
        builder.Services.AddRoutingCore();

        if (options.Tracker.Enabled)
        {
            builder.Services.AddSingleton(services => new TrackerService(
                hub, database, host, tracker, services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Hub.Tracker")));
            builder.Services.AddHostedService(services => services.GetRequiredService<TrackerService>());
        }

        var announcements = new AnnouncementStore(database);
        builder.Services.AddSingleton(services => new KeeperService(
            new KeeperStore(database), announcements, options, host.Time, services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Hub.Keeper"), KeeperHttp.Value));
        builder.Services.AddHostedService(services => services.GetRequiredService<KeeperService>());

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Hub");
        var trackerService = app.Services.GetService<TrackerService>();
        var farmers = new FarmerStore(database);
        var authenticator = new DataservAuthenticator(hub.Address, host.Time, TimeSpan.FromSeconds(options.AuthWindowSeconds));
        var dataserv = new DataservRouter(
            new DataservApi(farmers, authenticator, options, host.Time, hub.Address),
            new ResponseCache(host.Time, TimeSpan.FromSeconds(options.CacheSeconds)));
        var downstream = new DownstreamRouter(new DownstreamApi(
            contracts, new Granary.Core.Proofs.MerkleHeartbeat(heartbeatKey, Granary.Core.Proofs.MerkleHeartbeat.NodeCheckFraction), options.Downstream, host.Time,
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Hub.Downstream"),
            Keeper(app).RecordChallenge));

        app.UseHubErrors();
        app.Use(async (context, next) =>
        {
            // The keeper's and Granary's own routes, and the downstream node, first: all lie under dataserv's /api/.
            if (context.Request.Path.StartsWithSegments("/api/keeper", StringComparison.Ordinal)
                || context.Request.Path.StartsWithSegments("/api/granary", StringComparison.Ordinal)
                || (!await downstream.TryHandleAsync(context).ConfigureAwait(false) && !await dataserv.TryHandleAsync(context).ConfigureAwait(false)))
            {
                await next(context).ConfigureAwait(false);
            }
        });
        // Routing after the two above, so that errors in matching are caught too and dataserv's
        // paths never reach it.
        app.UseRouting();
        app.MapIntroducer(announcements, options, host.Time, logger);
        app.MapKeeper(app.Services.GetRequiredService<KeeperService>(), options, host.Time, logger);
        var heightAudits = new HeightAuditStore(database);
        app.MapHeightAudit(farmers, heightAudits, authenticator, host.Time, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Hub.HeightAudit"));
        app.MapDashboard(farmers, heightAudits, announcements, options, host.Time, hub.Address, database.Description, GranaryWebApp.ApplicationVersion, trackerService);
        app.MapFallback(async (HttpContext context) =>
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = DataservResponse.TextType;
            await context.Response.Body.WriteAsync(DataservResponse.NotFound.Body, context.RequestAborted).ConfigureAwait(false);
        });
        app.Lifetime.ApplicationStarted.Register(() => HubLog.Serving(logger, hub.Address, ListeningUrl(app).ToString(), database.Description));
        return app;
    }

    // One connection pool for the keeper's requests to nodes, as a client has.
    private static readonly Lazy<HttpClient> KeeperHttp = new(() => new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan });

    /// <summary>The hub's keeper.</summary>
    internal static KeeperService Keeper(WebApplication app) => app.Services.GetRequiredService<KeeperService>();

    /// <summary>The hub's tracker (null when it is turned off).</summary>
    public static TrackerService? Tracker(WebApplication app) => app.Services.GetService<TrackerService>();

    /// <summary>The base URL a started hub listens on.</summary>
    public static Uri ListeningUrl(WebApplication app) =>
        GranaryWebApp.ListeningAddress(app) ?? throw new InvalidOperationException("The hub is not listening yet.");
}
