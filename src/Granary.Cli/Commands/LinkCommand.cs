using System.CommandLine;
using Granary.Client.Nodes;
using Granary.Client.Paths;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary ln FROM TO</c> and <c>granary mv FROM TO</c>: link a child's cap under another name
/// (and, for mv, unlink the old name). Nothing is copied: both names point at the same file.
/// </summary>
internal static class LinkCommand
{
    public static Command CreateLn() => Create("ln", "Link the file or directory at FROM (alias:path or a cap) also as TO.", move: false);

    public static Command CreateMv() => Create("mv", "Rename FROM to TO (both alias:path); the file itself does not move.", move: true);

    private static Command Create(string name, string description, bool move)
    {
        var from = new Argument<string>("FROM") { Description = move ? "The child to rename (alias:path)." : "What to link: alias:path or a cap." };
        var to = new Argument<string>("TO") { Description = "The new name (alias:path); a directory there receives FROM under its own name." };
        var clientDir = ClientOptions.ClientDir();
        var command = new Command(name, description) { from, to, clientDir };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var directory = ClientOptions.OpenDirectory(context, clientDir);
            var source = ClientOptions.ParsePath(context.Parse.GetValue(from)!, directory);
            var target = ClientOptions.ParsePath(context.Parse.GetValue(to)!, directory);
            if (move && source.IsRoot)
            {
                throw new UsageException($"{source.Text} is not a child of a directory, so it cannot be moved; use 'ln'");
            }

            var client = await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            var node = await client.Nodes.ResolveAsync(source, cancellationToken);
            var existing = await TryResolveAsync(client, target, cancellationToken);
            if (existing is DirectoryNode && source.Name is { } childName)
            {
                target = target.Child(childName);
                existing = await TryResolveAsync(client, target, cancellationToken);
            }

            if (existing is DirectoryNode)
            {
                throw new InvalidOperationException($"{target.Text} is a directory; {name} does not replace directories");
            }

            if (target.IsRoot)
            {
                throw new UsageException($"{target.Text} is a root; name a child (alias:path/NAME)");
            }

            var parent = await client.Nodes.ResolveParentAsync(target, cancellationToken);
            await parent.SetChildAsync(target.Name!, node.Cap, null, overwrite: true, cancellationToken);
            if (move)
            {
                var oldParent = await client.Nodes.ResolveParentAsync(source, cancellationToken);
                await oldParent.RemoveChildAsync(source.Name!, cancellationToken);
            }

            return GranaryCli.Success;
        });
        return command;
    }

    internal static async Task<FilesystemNode?> TryResolveAsync(Client.GranaryClient client, GridPath path, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Nodes.ResolveAsync(path, cancellationToken);
        }
        catch (PathNotFoundException)
        {
            return null;
        }
    }
}
