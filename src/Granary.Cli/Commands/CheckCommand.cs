using System.CommandLine;
using System.Text.Json;
using Granary.Client.Maintenance;
using Granary.Core.Caps;

namespace Granary.Cli.Commands;

/// <summary><c>granary check CAP [--verify] [--repair] [--add-lease] [--json]</c>: a file's health, and restoring it.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var capArgument = new Argument<string>("TARGET") { Description = "A file or directory: a cap (a verify cap can check, not repair) or alias:path." };
        var verify = new Option<bool>("--verify") { Description = "Read every block of every copy and check it (slow: reads n/k times the file)." };
        var repair = new Option<bool>("--repair") { Description = "Make missing (and, with --verify, corrupt) shares again and place them on other servers." };
        var addLease = AddLeaseOption();
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("check", "Report which servers hold which shares of a file; optionally verify every block and repair. Exit code 0 when healthy, 1 when not.")
        {
            capArgument, verify, repair, addLease, json, clientDir,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var target = ClientOptions.ParsePath(context.Parse.GetValue(capArgument)!, ClientOptions.OpenDirectory(context, clientDir));
            if (target is { Root: LiteralCap, IsRoot: true })
            {
                await context.Output.WriteLineAsync("healthy: a literal file lives entirely in its cap");
                return GranaryCli.Success;
            }

            if (context.Parse.GetValue(repair) && target.Root is MutableVerifyCap)
            {
                throw new UsageException("repairing a mutable file re-signs it and needs its write cap, not a verify cap");
            }

            var client = await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            var node = await client.Nodes.ResolveAsync(target, cancellationToken);
            CheckReport report;
            RepairResult? repaired = null;
            int? leases = null;
            using (var line = new ProgressLine(context))
            {
                var progress = ClientOptions.Progress(line);
                report = await node.CheckAsync(context.Parse.GetValue(verify), progress, cancellationToken);
                if (context.Parse.GetValue(addLease))
                {
                    leases = await client.RenewLeasesAsync(report, cancellationToken);
                }

                if (context.Parse.GetValue(repair))
                {
                    repaired = await node.RepairAsync(report, progress, cancellationToken);
                }
            }

            var final = repaired?.After ?? report;
            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    report.StorageIndex,
                    report.K,
                    report.N,
                    report.Happy,
                    report.Verified,
                    before = Summary(report),
                    repairedShares = repaired?.SharesMade,
                    leasesRenewed = leases,
                    after = repaired is null ? null : Summary(repaired.After),
                    problems = report.Problems,
                }, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            }
            else
            {
                await context.Output.WriteLineAsync($"storage index {report.StorageIndex}, {report.K}-of-{report.N}");
                foreach (var share in Enumerable.Range(0, report.N))
                {
                    var copies = report.Holdings.Where(h => h.Share == share).Select(h => $"node {h.Server.ToString()[..8]}{(h.State == ShareState.Present ? "" : $" ({h.State.ToString().ToLowerInvariant()}{(h.Reason is null ? "" : ": " + h.Reason)})")}").ToList();
                    await context.Output.WriteLineAsync($"  share {share,3}: {(copies.Count == 0 ? "missing" : string.Join(", ", copies))}");
                }

                foreach (var problem in report.Problems)
                {
                    await context.Output.WriteLineAsync($"  problem: {problem}");
                }

                await context.Output.WriteLineAsync(report.Summary);
                if (leases is { } renewed)
                {
                    await context.Output.WriteLineAsync(LeaseText(renewed));
                }

                if (repaired is not null)
                {
                    await context.Output.WriteLineAsync(repaired.SharesMade.Count == 0
                        ? "repair: nothing to do"
                        : $"repair: made shares {string.Join(", ", repaired.SharesMade)}; now {repaired.After.Summary}");
                }
            }

            return final.Healthy ? GranaryCli.Success : GranaryCli.Failure;
        });
        return command;
    }

    /// <summary>The <c>--add-lease</c> option check and deep-check take.</summary>
    internal static Option<bool> AddLeaseOption() =>
        new("--add-lease") { Description = "Add or renew this client's lease on every server holding shares, so that lease expiry keeps them another lease period." };

    internal static string LeaseText(int servers) => $"leases: added or renewed on {servers} server{(servers == 1 ? "" : "s")}";

    internal static object Summary(CheckReport report) => new
    {
        report.Healthy,
        report.Recoverable,
        report.GoodShares,
        report.Happiness,
        report.Missing,
        report.PartlyCorrupt,
        report.SegmentCount,
        report.CapProblem,
        holdings = report.Holdings.Select(h => new { h.Share, server = h.Server.ToString(), state = h.State.ToString().ToLowerInvariant(), h.Reason, h.BadBlocks, h.ConfirmedByNode }),
        summary = report.Summary,
    };
}
