using System.CommandLine;
using System.Text.Json;
using Granary.Client.Maintenance;
using Granary.Core.Caps;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary deep-check [--verify] [--repair] [--add-lease] [--json] alias:path|CAP</c>: Tahoe's
/// deep-check, every object reachable from a directory checked (and repaired, and its leases renewed).
/// </summary>
internal static class DeepCheckCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var target = new Argument<string>("TARGET") { Description = "Where to start: a directory (or file), as alias:path or a cap." };
        var verify = new Option<bool>("--verify") { Description = "Read every block of every copy of every object and check it (slow: reads n/k times the data)." };
        var repair = new Option<bool>("--repair") { Description = "Repair each object found unhealthy but recoverable (mutable ones need their write cap)." };
        var addLease = CheckCommand.AddLeaseOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON document: an entry per object and the totals." };
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("deep-check", "Check every file and directory reachable from TARGET, each once (cycles end). Prints a line per object and the totals. Exit code 1 when anything is unrecoverable or a repair failed.")
        {
            target, verify, repair, addLease, json, clientDir,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var directory = ClientOptions.OpenDirectory(context, clientDir);
            var path = ClientOptions.ParsePath(context.Parse.GetValue(target)!, directory);
            var client = path is { Root: LiteralCap, IsRoot: true } ? ClientOptions.Offline(context, clientDir) : await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            var start = await client.Nodes.ResolveAsync(path, cancellationToken);
            var asJson = context.Parse.GetValue(json);
            var options = new DeepCheckOptions(context.Parse.GetValue(verify), context.Parse.GetValue(repair), context.Parse.GetValue(addLease));
            DeepCheckReport report;
            using (var line = new ProgressLine(context))
            {
                var done = 0;

                // Lines go out as objects are done, so a long walk shows itself on a terminal and in a pipe.
                var progress = new SynchronousProgress<DeepCheckEntry>(entry =>
                {
                    done++;
                    if (!asJson)
                    {
                        line.Clear();
                        context.Output.WriteLine(EntryText(entry));
                    }

                    line.Show($"deep-check: {done} objects checked, at '{entry.PathText}'");
                });
                report = await client.DeepCheckAsync(start, options, progress, cancellationToken);
            }

            if (asJson)
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    entries = report.Entries.Select(EntryJson),
                    totals = report.Totals,
                    succeeded = report.Succeeded,
                }, Json));
            }
            else
            {
                foreach (var total in TotalsText(report.Totals, options))
                {
                    await context.Output.WriteLineAsync(total);
                }
            }

            return report.Succeeded ? GranaryCli.Success : GranaryCli.Failure;
        });
        return command;
    }

    private static string EntryText(DeepCheckEntry entry)
    {
        var state = entry.Check switch
        {
            null => "not checked",
            _ when entry.Repair is { } repair => $"{entry.Check.Summary}; repaired (made shares {string.Join(", ", repair.SharesMade)}), now {repair.After.Summary}",
            var check => check.Summary,
        };
        var leases = entry.LeasesRenewed > 0 ? $" [leases renewed on {entry.LeasesRenewed}]" : "";
        var problem = entry.Problem is null ? "" : $" ({entry.Problem})";
        return $"'{(entry.Path.Count == 0 ? "<root>" : entry.PathText)}' {entry.Kind}: {state}{problem}{leases}";
    }

    private static IEnumerable<string> TotalsText(DeepCheckTotals totals, DeepCheckOptions options)
    {
        yield return $"done: {totals.ObjectsChecked} objects checked";
        yield return $" {(options.Repair ? "pre-repair: " : "")}{totals.Healthy} healthy, {totals.Unhealthy} unhealthy, {totals.Unrecoverable} unrecoverable";
        if (options.Repair)
        {
            yield return $" {totals.RepairsAttempted} repairs attempted, {totals.RepairsSuccessful} successful, {totals.RepairsUnsuccessful} unsuccessful";
            yield return $" post-repair: {totals.HealthyAfterRepair} healthy, {totals.UnhealthyAfterRepair} unhealthy, {totals.UnrecoverableAfterRepair} unrecoverable";
        }

        if (options.AddLease)
        {
            yield return $" {totals.LeasesRenewed} leases added or renewed";
        }
    }

    private static object EntryJson(DeepCheckEntry entry) => new
    {
        path = entry.Path,
        kind = entry.Kind,
        storageIndex = entry.Check?.StorageIndex is { Length: > 0 } index ? index : null,
        healthy = entry.Healthy,
        recoverable = entry.Recoverable,
        check = entry.Check is null ? null : CheckCommand.Summary(entry.Check),
        repairAttempted = entry.RepairAttempted,
        repair = entry.Repair is null ? null : new { sharesMade = entry.Repair.SharesMade, after = CheckCommand.Summary(entry.Repair.After) },
        leasesRenewed = entry.LeasesRenewed,
        problem = entry.Problem,
    };
}
