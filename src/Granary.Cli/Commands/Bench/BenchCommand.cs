using System.CommandLine;

namespace Granary.Cli.Commands.Bench;

/// <summary><c>granary bench …</c>: throughput figures measured on this machine, each beside its baseline.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure Granary's throughput on this machine.");
        command.Subcommands.Add(CodecBenchCommand.Create());
        command.Subcommands.Add(EncodeBenchCommand.Create());
        command.Subcommands.Add(NodeBenchCommand.Create());
        command.Subcommands.Add(GridBenchCommand.Create());
        command.Subcommands.Add(HubBenchCommand.Create());
        command.Subcommands.Add(TrackerBenchCommand.Create());
        command.Subcommands.Add(DhtBenchCommand.Create());
        command.Subcommands.Add(MutableBenchCommand.Create());
        command.Subcommands.Add(GatewayBenchCommand.Create());
        command.Subcommands.Add(FarmBenchCommand.Create());
        command.Subcommands.Add(AuditBenchCommand.Create());
        command.Subcommands.Add(KeeperBenchCommand.Create());
        return command;
    }
}
