using System.CommandLine;
using Granary.Cli.Commands;

namespace Granary.Cli;

/// <summary>
/// The <c>granary</c> command tree. Exit codes: 0 success, 1 the work failed, 2 the command line
/// was wrong (reported in one line, with a pointer to <c>--help</c>).
/// </summary>
public static class GranaryCli
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Granary: a decentralized storage grid. Files are encrypted and erasure-coded on the client; "
            + "any k of their n shares, held by untrusted storage nodes, bring them back.");
        root.Subcommands.Add(CapCommand.Create());
        root.Subcommands.Add(KeyCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(HubCommand.Create());
        root.Subcommands.Add(DhtCommand.Create());
        root.Subcommands.Add(PutCommand.Create());
        root.Subcommands.Add(GetCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(GridCommand.Create());
        root.Subcommands.Add(Commands.Bench.BenchCommand.Create());
        return root;
    }

    /// <summary>Parses and runs a command line, writing to the given streams instead of the console.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = Build();
        if (args.Length == 0)
        {
            args = ["--help"];
        }

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            var command = CommandRunner.CommandPath(result.CommandResult);
            await error.WriteLineAsync($"granary: {result.Errors[0].Message.TrimEnd('.')} (see '{command} --help')").ConfigureAwait(false);
            return Usage;
        }

        // Ctrl-C and SIGTERM cancel the command's token; give it time to clean up (a grid stops its
        // nodes, a node finishes requests) before the process is ended regardless.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
        return await result.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
