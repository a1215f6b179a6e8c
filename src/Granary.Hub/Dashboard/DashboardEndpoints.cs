using System.Text.Json;
using Granary.Core.Protocol;
using Granary.Hub.Data;
using Granary.Hub.Dataserv;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Granary.Hub.Dashboard;

/// <summary>
/// The operator's page at <c>/ui/</c>: farmers online, totals and announced storage servers,
/// refreshed every few seconds from <c>/ui/status.json</c>. Everything it loads is served from the
/// hub itself (a strict Content-Security-Policy says so to the browser).
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>The page lists at most this many farmers (tallest first); the totals count them all.</summary>
    public const int MaxFarmersShown = 500;

    private const string Policy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapDashboard(
        this IEndpointRouteBuilder app, FarmerStore farmers, HeightAudit.HeightAuditStore heightAudits, AnnouncementStore announcements, HubOptions options, TimeProvider time, string address, string database, string version,
        Tracker.TrackerService? tracker = null)
    {
        // Each refresh of every open page would otherwise query the database; a second or two of staleness is invisible.
        var cache = new ResponseCache(time, TimeSpan.FromSeconds(2));
        // Routing treats /ui and /ui/ alike; the page's relative links need the slash.
        app.MapGet("/ui/", (HttpContext context) => context.Request.Path.Value!.EndsWith('/')
            ? Asset("index.html", "text/html; charset=utf-8")
            : Results.Redirect("/ui/", permanent: true));
        app.MapGet("/ui/tables.js", () => Asset("tables.js", "text/javascript; charset=utf-8"));
        app.MapGet("/ui/app.js", () => Asset("app.js", "text/javascript; charset=utf-8"));
        app.MapGet("/ui/style.css", () => Asset("style.css", "text/css; charset=utf-8"));
        app.MapGet("/ui/keeper.html", () => Asset("keeper.html", "text/html; charset=utf-8"));
        app.MapGet("/ui/keeper.js", () => Asset("keeper.js", "text/javascript; charset=utf-8"));
        app.MapGet("/ui/contracts.html", () => Asset("contracts.html", "text/html; charset=utf-8"));
        app.MapGet("/ui/contracts.js", () => Asset("contracts.js", "text/javascript; charset=utf-8"));
        app.MapTrackerDashboard(tracker, time, cache);
        app.MapGet("/ui/status.json", async (HttpContext context) =>
        {
            var response = await cache.GetAsync("status", async () =>
            {
                var now = time.Micros();
                var online = await farmers.OnlineAsync(now - (options.OnlineWindowSeconds * HubClock.MicrosPerSecond), context.RequestAborted).ConfigureAwait(false);
                var registered = await farmers.CountAsync(context.RequestAborted).ConfigureAwait(false);
                var servers = await announcements.LiveAsync(now, context.RequestAborted).ConfigureAwait(false);
                var audited = await heightAudits.LatestJudgedAsync(context.RequestAborted).ConfigureAwait(false);
                var status = new
                {
                    hub = new { address, database, version, onlineWindowSeconds = options.OnlineWindowSeconds },
                    totals = new
                    {
                        farmersOnline = online.Count,
                        farmersRegistered = registered,
                        totalTB = DataservApi.TotalTerabytes(online.Sum(f => (long)f.Height)),
                        storageServers = servers.Count,
                        capacityBytes = servers.Sum(s => s.Capacity),
                        availableBytes = servers.Sum(s => s.Available),
                    },
                    farmers = online.Take(MaxFarmersShown).Select(f => new
                    {
                        btcAddr = f.BtcAddr,
                        payoutAddr = f.PayoutAddr,
                        height = f.Height,
                        lastSeenSeconds = HubClock.SecondsWithinDay(now, f.LastSeenMicros),
                        heightAudit = audited.GetValueOrDefault(f.BtcAddr) is { } a
                            ? new { passed = a.Passed == true, detail = a.Detail, secondsAgo = (now - a.AnsweredAt!.Value) / HubClock.MicrosPerSecond }
                            : null,
                    }),
                    servers = servers.Select(s => new
                    {
                        nodeId = s.NodeId,
                        endpoint = Endpoint(s.StorageUrl),
                        capacityBytes = s.Capacity,
                        availableBytes = s.Available,
                        version = s.Version,
                        announcedSecondsAgo = (now - HubClock.ToMicros(s.AnnouncedAt)) / HubClock.MicrosPerSecond,
                        expiresInSeconds = (HubClock.ToMicros(s.ExpiresAt) - now) / HubClock.MicrosPerSecond,
                    }),
                };
                return new DataservResponse(200, "application/json; charset=utf-8", false, JsonSerializer.SerializeToUtf8Bytes(status, Json));
            }).ConfigureAwait(false);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(response.Body, response.ContentType);
        });
        return app;
    }

    // A storage URL carries the node's secret; the page shows only where the node is.
    private static string Endpoint(string storageUrl) =>
        StorageUrl.TryParse(storageUrl, out var url, out _) ? $"{url!.Host}:{url.Port}" : "?";

    internal static IResult Asset(string name, string contentType)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("dashboard/" + name)
            ?? throw new InvalidOperationException($"The dashboard's {name} is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new AssetResult(copy.ToArray(), contentType);
    }

    private sealed class AssetResult(byte[] body, string contentType) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.ContentSecurityPolicy = Policy;
            httpContext.Response.Headers.XContentTypeOptions = "nosniff";
            httpContext.Response.Headers.CacheControl = "no-cache";
            httpContext.Response.ContentType = contentType;
            httpContext.Response.ContentLength = body.Length;
            return httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
        }
    }
}
