using System.Text.Json;
using Granary.Hub.Dataserv;
using Granary.Hub.Tracker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Granary.Hub.Dashboard;

/// <summary>
/// The tracker's page at <c>/ui/tracker.html</c>: files with their active hosts, active peers (a
/// guid prefix only: guids are bearer credentials) and the federation's members with their state,
/// refreshed from <c>/ui/tracker.json</c>.
/// </summary>
internal static class TrackerDashboard
{
    public const int MaxFilesShown = 500;
    public const int MaxPeersShown = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapTrackerDashboard(this IEndpointRouteBuilder app, TrackerService? tracker, TimeProvider time, ResponseCache cache)
    {
        app.MapGet("/ui/tracker.html", () => DashboardEndpoints.Asset("tracker.html", "text/html; charset=utf-8"));
        app.MapGet("/ui/tracker.js", () => DashboardEndpoints.Asset("tracker.js", "text/javascript; charset=utf-8"));
        app.MapGet("/ui/tracker.json", async (HttpContext context) =>
        {
            var response = await cache.GetAsync("tracker", async () =>
            {
                object status;
                if (tracker is null)
                {
                    status = new { enabled = false };
                }
                else
                {
                    var ct = context.RequestAborted;
                    var store = tracker.Store;
                    var cutoff = store.ActiveCutoff(TimeSpan.FromSeconds(tracker.Options.KeepAliveTimeoutSeconds));
                    var totals = await store.TotalsAsync(cutoff, ct).ConfigureAwait(false);
                    var files = new List<object>();
                    await foreach (var row in store.FileListAsync(cutoff, 0, MaxFilesShown, ct).ConfigureAwait(false))
                    {
                        files.Add(new { id = row.Id, name = row.Name, fullHash = row.FullHash, activePeers = row.ActivePeers });
                    }

                    var peers = await store.ActivePeersAsync(cutoff, MaxPeersShown, ct).ConfigureAwait(false);
                    var members = new List<object>();
                    foreach (var member in tracker.Federation.States())
                    {
                        members.Add(new
                        {
                            id = member.Id,
                            name = member.Name,
                            endpoint = member.Url,
                            online = member.Online,
                            failures = member.Failures,
                            queueDepth = member.QueueDepth,
                            lastSuccessSecondsAgo = member.LastSuccess is { } last ? (long?)(time.GetUtcNow() - last).TotalSeconds : null,
                            needsResync = member.NeedsResync,
                            lastError = member.LastError,
                            deadLetters = await store.DeadLetterCountAsync(member.Id, ct).ConfigureAwait(false),
                        });
                    }

                    status = new
                    {
                        enabled = true,
                        id = tracker.Id,
                        url = tracker.Url.ToString(),
                        keepAliveTimeoutSeconds = tracker.Options.KeepAliveTimeoutSeconds,
                        legacyHttpStatus = tracker.Options.LegacyHttpStatus,
                        totals = new { files = totals.Files, peers = totals.Peers, activePeers = totals.ActivePeers, hosts = totals.Hosts },
                        files,
                        peers = peers.Select(p => new { guid = p.GuidPrefix + "…", ip = p.Ip, keepAliveSecondsAgo = p.AgeMicros / HubClock.MicrosPerSecond, files = p.Files }),
                        members,
                    };
                }

                return new DataservResponse(200, "application/json; charset=utf-8", false, JsonSerializer.SerializeToUtf8Bytes(status, Json));
            }).ConfigureAwait(false);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(response.Body, response.ContentType);
        });
        return app;
    }
}
