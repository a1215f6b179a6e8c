using System.Globalization;
using System.Text.Json.Nodes;
using Granary.Client.Maintenance;
using Granary.Client.Nodes;
using Granary.Core.Caps;
using Microsoft.AspNetCore.Http;

namespace Granary.Gateway.Wapi;

internal sealed partial class WapiHandler
{
    /// <summary>
    /// <c>t=stream-manifest</c> and <c>t=stream-deep-check</c>: one ASCII JSON line per object, the
    /// start first, then a <c>{"type": "stats"}</c> line; a failure half way is an <c>ERROR: …</c> line
    /// (the status has been sent). Lines stay far under the 16 KiB Tahoe's CLI reads at most.
    /// </summary>
    private async Task StreamDeepAsync(HttpContext context, WapiArgs args, DirectoryNode start, bool check)
    {
        var ct = context.RequestAborted;
        var verify = args.Bool("verify");
        var repair = args.Bool("repair");
        var addLease = args.Bool("add-lease");
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var stats = new DeepStats();
        try
        {
            await foreach (var entry in DeepTraversal.WalkAsync(client.Nodes, start, ct).ConfigureAwait(false))
            {
                stats.Add(entry);
                var unit = ManifestUnit(entry);
                if (check)
                {
                    var report = await entry.Node.CheckAsync(verify, null, ct).ConfigureAwait(false);
                    if (addLease)
                    {
                        await client.RenewLeasesAsync(report, ct).ConfigureAwait(false);
                    }

                    if (repair)
                    {
                        var repaired = await RepairIfNeededAsync(entry.Node, report, ct).ConfigureAwait(false);
                        unit["check-and-repair-results"] = CheckJson.CheckAndRepair(report, repaired);
                    }
                    else
                    {
                        unit["check-results"] = CheckJson.Check(report);
                    }
                }

                await context.Response.WriteAsync(NodeJson.Text(unit), ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }

            await context.Response.WriteAsync(NodeJson.Text(new JsonObject { ["type"] = "stats", ["stats"] = stats.ToJson() }), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await context.Response.WriteAsync($"ERROR: {e.GetType().Name}({e.Message.ReplaceLineEndings(" ")})\n", CancellationToken.None).ConfigureAwait(false);
        }
    }

    // t=start-…&ophandle=H: the walk runs on, and /operations/H reports it.
    private void StartOperation(HttpContext context, WapiArgs args, DirectoryNode start, string t)
    {
        var handle = args.Get("ophandle") is { Length: > 0 } given ? given : throw WapiException.BadRequest("slow operation requires ophandle=");
        TimeSpan? retain = double.TryParse(args.Get("retain-for"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : null;
        var verify = args.Bool("verify");
        var repair = args.Bool("repair");
        var addLease = args.Bool("add-lease");
        var stats = new DeepStats();
        var manifest = new List<(IReadOnlyList<string> Path, string Cap, string Verify, string Index)>();
        var checkedObjects = new List<(IReadOnlyList<string> Path, CheckReport Report, RepairResult? Repair)>();
        var sync = new Lock();
        var origin = start.Cap.TryGetStorageIndex(out var index) ? index.ToString() : "";

        // A failure faults the work; fetching the operation then answers as the failure would have.
        async Task WorkAsync(CancellationToken token)
        {
            await foreach (var entry in DeepTraversal.WalkAsync(client.Nodes, start, token).ConfigureAwait(false))
            {
                CheckReport? report = null;
                RepairResult? repaired = null;
                if (t == "start-deep-check")
                {
                    report = await entry.Node.CheckAsync(verify, null, token).ConfigureAwait(false);
                    if (addLease)
                    {
                        await client.RenewLeasesAsync(report, token).ConfigureAwait(false);
                    }

                    repaired = repair ? await RepairIfNeededAsync(entry.Node, report, token).ConfigureAwait(false) : null;
                }

                var unit = ManifestUnit(entry);
                lock (sync)
                {
                    stats.Add(entry);
                    manifest.Add((entry.Path, unit["cap"]!.GetValue<string>(), unit["verifycap"]!.GetValue<string>(), unit["storage-index"]!.GetValue<string>()));
                    if (report is not null)
                    {
                        checkedObjects.Add((entry.Path, report, repaired));
                    }
                }
            }
        }

        JsonNode Status(bool finished)
        {
            lock (sync)
            {
                switch (t)
                {
                    case "start-deep-stats":
                        var deepStats = stats.ToJson();
                        deepStats["finished"] = finished;
                        return deepStats;
                    case "start-deep-size":
                        return new JsonObject { ["finished"] = finished, ["size"] = stats.ToJson() };
                    case "start-manifest":
                        var result = new JsonObject { ["stats"] = stats.ToJson(), ["finished"] = finished, ["origin"] = origin };
                        if (finished)
                        {
                            result["manifest"] = new JsonArray([.. manifest.Select(m => (JsonNode)new JsonArray(new JsonArray([.. m.Path.Select(p => (JsonNode)p)]), m.Cap))]);
                            result["verifycaps"] = new JsonArray([.. manifest.Select(m => m.Verify).Where(v => v.Length > 0).Distinct().Select(v => (JsonNode)v)]);
                            result["storage-index"] = new JsonArray([.. manifest.Select(m => m.Index).Where(v => v.Length > 0).Distinct().Select(v => (JsonNode)v)]);
                        }

                        return result;
                    default:
                        return DeepCheckStatus(finished, origin, checkedObjects, stats, repair);
                }
            }
        }

        operations.Start(handle, t, Status, WorkAsync, retain);
        var location = "/operations/" + Uri.EscapeDataString(handle) + (args.Get("output") is { Length: > 0 } output ? "?output=" + Uri.EscapeDataString(output) : "");
        if (!RedirectWhenDone(context, args))
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = location;
        }
    }

    private static JsonObject DeepCheckStatus(bool finished, string origin, List<(IReadOnlyList<string> Path, CheckReport Report, RepairResult? Repair)> results, DeepStats stats, bool repair)
    {
        static JsonArray PathOf(IReadOnlyList<string> path) => new([.. path.Select(p => (JsonNode)p)]);
        var corrupt = results.SelectMany(r => r.Report.Holdings.Where(h => h.State == ShareState.Corrupt)
            .Select(h => (JsonNode)new JsonArray(h.Server.ToString(), r.Report.StorageIndex, h.Share))).ToList();
        var json = new JsonObject
        {
            ["finished"] = finished,
            ["root-storage-index"] = origin,
            ["count-objects-checked"] = results.Count,
            ["list-corrupt-shares"] = new JsonArray([.. corrupt]),
            ["list-unhealthy-files"] = new JsonArray([.. results.Where(r => !r.Report.Healthy).Select(r => (JsonNode)new JsonArray(PathOf(r.Path), CheckJson.Check(r.Report)))]),
            ["stats"] = stats.ToJson(),
        };
        if (!repair)
        {
            json["count-objects-healthy"] = results.Count(r => r.Report.Healthy);
            json["count-objects-unhealthy"] = results.Count(r => !r.Report.Healthy);
            json["count-corrupt-shares"] = corrupt.Count;
            return json;
        }

        var attempted = results.Where(r => r.Repair is not null).ToList();
        json["count-objects-healthy-pre-repair"] = results.Count(r => r.Report.Healthy);
        json["count-objects-unhealthy-pre-repair"] = results.Count(r => !r.Report.Healthy);
        json["count-objects-healthy-post-repair"] = results.Count(r => (r.Repair?.After ?? r.Report).Healthy);
        json["count-objects-unhealthy-post-repair"] = results.Count(r => !(r.Repair?.After ?? r.Report).Healthy);
        json["count-repairs-attempted"] = attempted.Count;
        json["count-repairs-successful"] = attempted.Count(r => r.Repair!.After.Healthy);
        json["count-repairs-unsuccessful"] = attempted.Count(r => !r.Repair!.After.Healthy);
        json["count-corrupt-shares-pre-repair"] = corrupt.Count;
        json["count-corrupt-shares-post-repair"] = results.Sum(r => (r.Repair?.After ?? r.Report).Holdings.Count(h => h.State == ShareState.Corrupt));
        json["list-remaining-corrupt-shares"] = new JsonArray([.. results.SelectMany(r => (r.Repair?.After ?? r.Report).Holdings.Where(h => h.State == ShareState.Corrupt)
            .Select(h => (JsonNode)new JsonArray(h.Server.ToString(), r.Report.StorageIndex, h.Share)))]);
        return json;
    }

    private static async Task<RepairResult?> RepairIfNeededAsync(FilesystemNode node, CheckReport report, CancellationToken cancellationToken) =>
        report.Healthy || !report.Recoverable || (node.IsReadOnly && node is not ImmutableFileNode)
            ? null
            : await node.RepairAsync(report, null, cancellationToken).ConfigureAwait(false);

    /// <summary>A manifest line: the object's path, its best cap, verify cap, repair cap and storage index ("" when it has none).</summary>
    private static JsonObject ManifestUnit(DeepEntry entry)
    {
        var cap = entry.Node.Cap;
        var type = entry.Node switch
        {
            DirectoryNode => "directory",
            IFileNode => "file",
            _ => "unknown",
        };
        return new JsonObject
        {
            ["path"] = new JsonArray([.. entry.Path.Select(p => (JsonNode)p)]),
            ["cap"] = cap.ToString(),
            ["type"] = type,
            ["verifycap"] = NodeJson.VerifyOf(cap)?.ToString() ?? "",
            ["repaircap"] = entry.Node.IsReadOnly && entry.Node.IsMutable ? "" : cap is LiteralCap or DirectoryCap { FileCap: LiteralCap } ? "" : cap.ToString(),
            ["storage-index"] = cap.TryGetStorageIndex(out var index) ? index.ToString() : "",
        };
    }
}
