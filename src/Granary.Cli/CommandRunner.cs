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
/// <see cref="UsageException"/> is 2, anything else the body could not do is 1 (a bug too, without a
/// stack trace unless <c>GRANARY_DEBUG=1</c>), Ctrl-C or SIGTERM is 130.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Set to 1 to have an unexpected failure print its stack trace.</summary>
    public const string DebugVariable = "GRANARY_DEBUG";

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").TrimEnd();

    /// <summary>"granary key verify-message": the command's full path, for messages.</summary>
    public static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var current = result; current is not null; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(current.Parent is null ? "granary" : current.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    public static void SetAction(Command command, Func<CommandContext, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var name = CommandPath(parse.CommandResult);
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
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException or ArgumentException
                or System.Security.Cryptography.CryptographicException or Client.Upload.UploadException or Client.Download.DownloadException
                or Client.Storage.StorageException or Core.Chk.CorruptFileException or Core.Chk.CorruptShareException or HttpRequestException
                or Client.Mutable.MutableException or Client.Nodes.ReadOnlyException or Client.Nodes.PathNotFoundException or Core.Directories.DirectoryFormatException)
            {
                await context.Error.WriteLineAsync($"{name}: {OneLine(e.Message)}").ConfigureAwait(false);
                return GranaryCli.Failure;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug: still one line, and the stack trace only for whoever asks for it.
                await context.Error.WriteLineAsync($"{name}: internal error ({e.GetType().Name}): {OneLine(e.Message)}"
                    + (Environment.GetEnvironmentVariable(DebugVariable) == "1" ? Environment.NewLine + e : $"; set {DebugVariable}=1 for details")).ConfigureAwait(false);
                return GranaryCli.Failure;
            }
        });
    }
}
