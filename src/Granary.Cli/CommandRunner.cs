using System.CommandLine;

namespace Granary.Cli;

/// <summary>What a command's body sees: its parse result and where to write.</summary>
public sealed record CommandContext(ParseResult Parse, TextWriter Output, TextWriter Error)
{
    /// <summary>True when standard error is a terminal a person watches, so progress is worth drawing.</summary>
    public bool Interactive => ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;
}

/// <summary>
/// Runs a command body and turns its failures into one line on standard error and an exit code:
/// <see cref="UsageException"/> is 2, anything else the body could not do is 1, Ctrl-C is 130.
/// </summary>
internal static class CommandRunner
{
    public static void SetAction(Command command, Func<CommandContext, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var name = $"granary {command.Name}";
            try
            {
                return await body(context, cancellationToken).ConfigureAwait(false);
            }
            catch (UsageException e)
            {
                await context.Error.WriteLineAsync($"{name}: {e.Message.TrimEnd('.')} (see '{name} --help')").ConfigureAwait(false);
                return GranaryCli.Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await context.Error.WriteLineAsync($"{name}: cancelled").ConfigureAwait(false);
                return 130;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException or ArgumentException)
            {
                await context.Error.WriteLineAsync($"{name}: {e.Message}").ConfigureAwait(false);
                return GranaryCli.Failure;
            }
        });
    }
}
