using System.CommandLine;

namespace Granary.Cli.Commands;

/// <summary><c>granary rm alias:path</c>: unlink a child from its directory (Tahoe's unlink; the file itself stays on the grid until its leases end).</summary>
internal static class RmCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("PATH") { Description = "The child to unlink (alias:path)." };
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("rm", "Unlink a file or directory from its parent directory.") { path, clientDir };
        command.Aliases.Add("unlink");
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var target = ClientOptions.ParsePath(context.Parse.GetValue(path)!, ClientOptions.OpenDirectory(context, clientDir));
            if (target.IsRoot)
            {
                throw new UsageException($"{target.Text} is a root, not a child of a directory");
            }

            var client = await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            var parent = await client.Nodes.ResolveParentAsync(target, cancellationToken);
            if (!await parent.RemoveChildAsync(target.Name!, cancellationToken))
            {
                throw new Client.Nodes.PathNotFoundException($"'{target.Name}' does not exist in {target.Parent.Text}");
            }

            return GranaryCli.Success;
        });
        return command;
    }
}
