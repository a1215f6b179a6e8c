using System.Text.Json.Nodes;
using Granary.Client.Maintenance;

namespace Granary.Gateway.Wapi;

/// <summary>Check and check-and-repair results in the JSON Tahoe's <c>?t=check&amp;output=JSON</c> gives (the keys its CLI reads).</summary>
public static class CheckJson
{
    public static JsonObject Check(CheckReport report)
    {
        if (report.IsLiteral)
        {
            return new JsonObject { ["storage-index"] = "", ["results"] = new JsonObject { ["healthy"] = true } };
        }

        var good = report.Holdings.Where(h => h.Intact).ToList();
        var sharemap = new JsonObject();
        foreach (var group in good.GroupBy(h => h.Share).OrderBy(g => g.Key))
        {
            sharemap[group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonArray([.. group.Select(h => (JsonNode)h.Server.ToString()).Order()]);
        }

        var corrupt = report.Holdings.Where(h => h.State == ShareState.Corrupt).ToList();
        return new JsonObject
        {
            ["storage-index"] = report.StorageIndex,
            ["summary"] = report.Healthy ? "Healthy" : $"Not Healthy: {report.GoodShares} shares (enc {report.K}-of-{report.N})",
            ["results"] = new JsonObject
            {
                ["count-happiness"] = report.Happiness,
                ["count-shares-good"] = report.GoodShares,
                ["count-shares-needed"] = report.K,
                ["count-shares-expected"] = report.N,
                ["count-good-share-hosts"] = good.Select(h => h.Server).Distinct().Count(),
                ["count-corrupt-shares"] = corrupt.Count,
                ["list-corrupt-shares"] = new JsonArray([.. corrupt.Select(h => (JsonNode)new JsonArray(h.Server.ToString(), report.StorageIndex, h.Share))]),
                ["servers-responding"] = new JsonArray([.. report.Holdings.Select(h => h.Server.ToString()).Distinct().Order().Select(s => (JsonNode)s)]),
                ["sharemap"] = sharemap,
                ["count-wrong-shares"] = 0,
                ["count-recoverable-versions"] = report.Recoverable ? 1 : 0,
                ["count-unrecoverable-versions"] = report.Recoverable || report.Holdings.Count == 0 ? 0 : 1,
                ["healthy"] = report.Healthy,
                ["recoverable"] = report.Recoverable,
            },
        };
    }

    public static JsonObject CheckAndRepair(CheckReport before, RepairResult? repair)
    {
        if (before.IsLiteral)
        {
            return new JsonObject { ["storage-index"] = "", ["repair-attempted"] = false };
        }

        var attempted = repair is not null && !before.Healthy;
        return new JsonObject
        {
            ["storage-index"] = before.StorageIndex,
            ["repair-attempted"] = attempted,
            ["repair-successful"] = attempted && repair!.After.Healthy,
            ["pre-repair-results"] = Check(before),
            ["post-repair-results"] = Check(repair?.After ?? before),
        };
    }
}
