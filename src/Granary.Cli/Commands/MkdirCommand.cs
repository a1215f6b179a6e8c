using System.CommandLine;
using Granary.Client.Nodes;

namespace Granary.Cli.Commands;

/// <summary><c>granary mkdir [alias:path]</c>: a new mutable directory, linked at the path or printed as a cap.</summary>
internal static class MkdirCommand
{
    public static Command Create()
    {
        var path = new Argument<string?>("PATH") { Description = "Where to link the new directory (alias:path); without it, the new directory's cap is printed.", Arity = ArgumentArity.ZeroOrOne };
        var format = ClientOptions.Format("The new directory's format: sdmf (default, as Tahoe) or mdmf.");
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("mkdir", "Make a new empty directory; prints its write cap.") { path, format, clientDir };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var directory = ClientOptions.OpenDirectory(context, clientDir);
            var target = context.Parse.GetValue(path) is { } text ? ClientOptions.ParsePath(text, directory) : null;
            if (target is { IsRoot: true })
            {
                throw new UsageException($"{target.Text} is a directory already; name a new child (alias:path/NEW)");
            }

            var mutableFormat = ClientOptions.ParseFormat(context.Parse.GetValue(format)) ?? Core.Mutable.MutableFormat.Sdmf;
            var client = await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            DirectoryNode created;
            if (target is null)
            {
                created = await client.Nodes.CreateDirectoryAsync(mutableFormat, [], cancellationToken);
            }
            else
            {
                var parent = await client.Nodes.ResolveParentAsync(target, cancellationToken);
                created = await parent.CreateSubdirectoryAsync(target.Name!, mutableFormat, cancellationToken);
            }

            await ClientOptions.KeepNewAsync(context, directory, client, created.DirectoryCap, cancellationToken);
            await context.Output.WriteLineAsync(created.DirectoryCap.ToString());
            return GranaryCli.Success;
        });
        return command;
    }
}
