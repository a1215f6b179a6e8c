using System.CommandLine;
using System.Globalization;
using Granary.Client.Download;
using Granary.Client.Nodes;
using Granary.Core.Caps;

namespace Granary.Cli.Commands;

/// <summary><c>granary get CAP [-o FILE] [--range START-END]</c>: read a file back from the grid.</summary>
internal static class GetCommand
{
    public static Command Create()
    {
        var capArgument = new Argument<string>("SOURCE") { Description = "The file: its cap (URI:CHK:…, URI:LIT:…, URI:SSK…, URI:MDMF…) or alias:path." };
        var output = new Option<FileInfo>("-o", "--output") { Description = "Write the file here (under a temporary name, renamed when complete; written past the page cache where the file system allows); default standard output.", HelpName = "FILE" };
        var range = new Option<string>("--range") { Description = "Only bytes START to END, inclusive, 0-based (END may be omitted: to the end).", HelpName = "START-END" };
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("get", "Fetch, verify, decode and decrypt a file from the grid.") { capArgument, output, range, clientDir };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var source = ClientOptions.ParsePath(context.Parse.GetValue(capArgument)!, ClientOptions.OpenDirectory(context, clientDir));
            var cap = source.Root;
            if (cap is ChkVerifyCap or MutableVerifyCap)
            {
                throw new UsageException("a verify cap can check a file but not read it; give its read cap");
            }

            var (from, to) = ParseRange(context.Parse.GetValue(range));
            var client = cap is LiteralCap ? ClientOptions.Offline(context, clientDir) : await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            if (await client.Nodes.ResolveAsync(source, cancellationToken) is not IFileNode file)
            {
                throw new InvalidOperationException($"{source.Text} is a directory, not a file (use 'ls', or 'cp -r' to copy it)");
            }

            var target = context.Parse.GetValue(output);
            if (target is not null && !Directory.Exists(target.DirectoryName))
            {
                throw new DirectoryNotFoundException($"cannot write {target.FullName}: the directory {target.DirectoryName} does not exist");
            }

            if (target is not null && Directory.Exists(target.FullName))
            {
                throw new IOException($"cannot write {target.FullName}: it is a directory (name the file to write)");
            }

            try
            {
                using var line = new ProgressLine(context);
                if (target is null)
                {
                    await using var stdout = Console.OpenStandardOutput();
                    await file.ReadAsync(stdout, from, to, ClientOptions.Progress(line), cancellationToken);
                }
                else
                {
                    await LocalFileDownload.SaveAsync(file, target.FullName, from, to, ClientOptions.Progress(line), cancellationToken);
                }

                return GranaryCli.Success;
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new UsageException(e.Message.Split(" (Parameter", StringSplitOptions.None)[0]);
            }
        });
        return command;
    }

    private static (long? From, long? To) ParseRange(string? text)
    {
        if (text is null)
        {
            return (null, null);
        }

        var parts = text.Split('-');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
            || (parts[1].Length > 0 && !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new UsageException($"--range '{text}' is not START-END (e.g. 0-1023, or 4096- for the rest)");
        }

        long? to = parts[1].Length == 0 ? null : long.Parse(parts[1], CultureInfo.InvariantCulture);
        if (to < from)
        {
            throw new UsageException($"--range '{text}' ends before it starts");
        }

        return (from, to);
    }
}
