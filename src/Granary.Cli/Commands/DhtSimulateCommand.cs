using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Granary.Cli.Commands.Bench;
using Granary.Dht.Simulation;

namespace Granary.Cli.Commands;

/// <summary><c>granary dht simulate</c>: thousands of nodes in this process, a share of them removed at once, lookups from survivors.</summary>
internal static class DhtSimulateCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the network.", DefaultValueFactory = _ => 10_000 };
        var churn = new Option<double>("--churn") { Description = "Fraction of nodes removed at once, without repair, before the lookups.", DefaultValueFactory = _ => 0.3 };
        var lookups = new Option<int>("--lookups") { Description = "Values stored before the churn, each looked up after it from a random survivor.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed for ids and choices, so a run can be repeated.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("simulate", "Run a whole DHT in this process on an in-memory network and report lookup success, hops and requests.")
        {
            nodes, churn, lookups, seed, json,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var options = new SimulationOptions(context.Parse.GetValue(nodes), context.Parse.GetValue(churn), context.Parse.GetValue(lookups), context.Parse.GetValue(seed));
            if (options.Nodes is < 2 or > 200_000 || options.Churn is < 0 or >= 1 || options.Lookups is < 1 or > 1_000_000)
            {
                throw new UsageException("--nodes must be 2 to 200000, --churn at least 0 and below 1, --lookups 1 to 1000000");
            }

            var progress = new SynchronousProgress<string>(line => context.Error.WriteLine($"simulate: {line}"));
            var result = await DhtSimulation.RunAsync(options, progress, cancellationToken);
            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(result, BenchJson.Options));
                return GranaryCli.Success;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"""
                {result.Nodes:N0} nodes (k=20, alpha=3), {result.Removed:N0} removed at once ({result.Churn:P0}), {result.Lookups:N0} values looked up from survivors
                found             {result.Found:N0} of {result.Lookups:N0} ({result.SuccessRate:P2})
                hops              median {result.MedianHops}, p90 {result.P90Hops}
                requests/lookup   median {result.MedianRequests}, mean {result.MeanRequests:0.0}
                time              joining {result.JoinSeconds:0.0} s, lookups {result.LookupSeconds:0.00} s
                """));
            return GranaryCli.Success;
        });
        return command;
    }
}
