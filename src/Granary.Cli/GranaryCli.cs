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
        root.Subcommands.Add(DeepCheckCommand.Create());
        root.Subcommands.Add(KeepCommand.Create());
        root.Subcommands.Add(AliasCommand.Create());
        root.Subcommands.Add(MkdirCommand.Create());
        root.Subcommands.Add(LsCommand.Create());
        root.Subcommands.Add(CpCommand.Create());
        root.Subcommands.Add(LinkCommand.CreateMv());
        root.Subcommands.Add(LinkCommand.CreateLn());
        root.Subcommands.Add(RmCommand.Create());
        root.Subcommands.Add(DebugCommand.Create());
        root.Subcommands.Add(GatewayCommand.Create());
        root.Subcommands.Add(GatewayCommand.CreateWebopen());
        root.Subcommands.Add(GridCommand.Create());
        root.Subcommands.Add(FarmCommand.Create());
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
        if (result.Errors.Count > 0 || MistypedOption(result) is not null)
        {
            var command = CommandRunner.CommandPath(result.CommandResult);
            await error.WriteLineAsync($"{command}: {Describe(result)} (see '{command} --help')").ConfigureAwait(false);
            return Usage;
        }

        // Ctrl-C and SIGTERM cancel the command's token; give it time to clean up (a grid stops its
        // nodes, a node finishes requests) before the process is ended regardless.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
        return await result.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    // A word that looks like an option but is none, taken as an argument ('put --bogus FILE' would
    // otherwise store a file named --bogus, if there were one): before '--', such words are refused.
    private static string? MistypedOption(ParseResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (token.Type == System.CommandLine.Parsing.TokenType.DoubleDash)
            {
                return null;
            }

            if (token.Type == System.CommandLine.Parsing.TokenType.Argument && token.Value.Length > 1 && token.Value.StartsWith('-') && !IsNumber(token.Value))
            {
                return token.Value;
            }
        }

        return null;
    }

    private static bool IsNumber(string text) => double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);

    // The parser's first error is often not the one to show ("Required command was not provided"
    // for a misspelt command; an unknown option taken as the file argument): name the word that is
    // wrong when there is one.
    private static string Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var wrong = MistypedOption(result) ?? result.UnmatchedTokens.FirstOrDefault();
        var missing = command.Arguments.FirstOrDefault(a => a.Arity.MinimumNumberOfValues > 0 && result.GetResult(a) is not { Tokens.Count: > 0 });
        return wrong switch
        {
            null when missing is not null => $"missing {missing.Name}",
            null => result.Errors[0].Message.TrimEnd('.'),
            _ when wrong.StartsWith('-') => $"unknown option '{wrong}'",
            _ when command.Subcommands.Count > 0 => $"unknown command '{wrong}'",
            _ => $"unexpected argument '{wrong}'",
        };
    }
}
