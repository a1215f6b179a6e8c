using System.CommandLine;
using Granary.Client;
using Granary.Client.Download;
using Granary.Client.Nodes;
using Granary.Client.Paths;
using Granary.Core.Caps;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary cp [-r] SOURCE… DEST</c>: copy between local files and the grid, as Tahoe's cp does.
/// An argument is on the grid when it is a cap or starts with a known alias and a colon; anything
/// else is a local path. Local files are stored as immutable files (a mutable file already at the
/// target is overwritten in place); grid to grid links the same cap under the new name.
/// </summary>
internal static class CpCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("SOURCE… DEST")
        {
            Description = "Files or (with -r) directories — local paths, alias:paths or caps — and last where they go: a local path or alias:path (a directory receives them under their own names).",
            Arity = ArgumentArity.OneOrMore,
        };
        var recursive = new Option<bool>("-r", "--recursive") { Description = "Copy directories and everything below them." };
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("cp", "Copy files and directories between this machine and the grid.") { paths, recursive, clientDir };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var directory = ClientOptions.OpenDirectory(context, clientDir);
            var aliases = directory.Aliases;
            var all = context.Parse.GetValue(paths)!;
            if (all.Length < 2)
            {
                throw new UsageException("give at least one SOURCE and a DEST");
            }
            var from = all[..^1];
            var to = all[^1];
            var deep = context.Parse.GetValue(recursive);
            var client = await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            var intoDirectory = from.Length > 1 || to.EndsWith('/');
            foreach (var source in from)
            {
                if (GridPath.IsGridPath(source, aliases))
                {
                    var sourcePath = ClientOptions.ParsePath(source, directory);
                    var node = await client.Nodes.ResolveAsync(sourcePath, cancellationToken);
                    var name = sourcePath.Name ?? (node.Cap is DirectoryCap ? null : "file");
                    if (node is DirectoryNode && !deep)
                    {
                        throw new UsageException($"{source} is a directory: copy it with -r");
                    }

                    if (GridPath.IsGridPath(to, aliases))
                    {
                        await LinkAsync(client, ClientOptions.ParsePath(to, directory), node.Cap, name, intoDirectory, cancellationToken);
                    }
                    else
                    {
                        var local = intoDirectory || Directory.Exists(to) ? Path.Combine(to, name ?? throw new UsageException($"{source} has no name to copy it under; give a target directory path")) : to;
                        await DownloadAsync(node, local, cancellationToken);
                    }
                }
                else
                {
                    if (!File.Exists(source) && !Directory.Exists(source))
                    {
                        throw new FileNotFoundException($"'{source}' does not exist");
                    }

                    if (Directory.Exists(source) && !deep)
                    {
                        throw new UsageException($"'{source}' is a directory: copy it with -r");
                    }

                    if (!GridPath.IsGridPath(to, aliases))
                    {
                        throw new UsageException($"neither '{source}' nor '{to}' is on the grid: name an alias:path or a cap (see 'granary alias list')");
                    }

                    var cap = Directory.Exists(source)
                        ? await UploadDirectoryAsync(client, source, cancellationToken)
                        : await UploadFileAsync(client, source, cancellationToken);
                    await LinkAsync(client, ClientOptions.ParsePath(to, directory), cap, Path.GetFileName(Path.TrimEndingDirectorySeparator(source)), intoDirectory, cancellationToken);
                }
            }

            return GranaryCli.Success;
        });
        return command;
    }

    // Links cap at target: into target when it is (or must be) a directory, else as target itself;
    // a mutable file already there takes a local file's bytes instead.
    private static async Task LinkAsync(GranaryClient client, GridPath target, Cap cap, string? name, bool intoDirectory, CancellationToken cancellationToken)
    {
        var existing = await LinkCommand.TryResolveAsync(client, target, cancellationToken);
        if (existing is DirectoryNode directory && (intoDirectory || target.IsRoot || cap is not DirectoryCap))
        {
            await directory.SetChildAsync(name ?? throw new UsageException($"give {target.Text} a child name to link the copy under"), cap, null, overwrite: true, cancellationToken);
            return;
        }

        if (target.IsRoot)
        {
            throw new UsageException($"{target.Text} is not a directory to copy into");
        }

        var parent = await client.Nodes.ResolveParentAsync(target, cancellationToken);
        await parent.SetChildAsync(target.Name!, cap, null, overwrite: true, cancellationToken);
    }

    private static async Task<Cap> UploadFileAsync(GranaryClient client, string path, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return (await client.UploadAsync(input, null, cancellationToken)).ReadCap;
    }

    // A new mutable directory holding the files and subdirectories below path, one publish per directory.
    private static async Task<Cap> UploadDirectoryAsync(GranaryClient client, string path, CancellationToken cancellationToken)
    {
        var children = new List<Core.Directories.DirectoryChild>();
        foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var cap = entry is DirectoryInfo
                ? await UploadDirectoryAsync(client, entry.FullName, cancellationToken)
                : await UploadFileAsync(client, entry.FullName, cancellationToken);
            children.Add(Core.Directories.DirectoryChild.ForCap(entry.Name, cap));
        }

        return (await client.Nodes.CreateDirectoryAsync(Core.Mutable.MutableFormat.Sdmf, children, cancellationToken)).DirectoryCap;
    }

    private static async Task DownloadAsync(FilesystemNode node, string local, CancellationToken cancellationToken)
    {
        if (node is DirectoryNode directory)
        {
            Directory.CreateDirectory(local);
            foreach (var child in (await directory.ListAsync(cancellationToken)).Children)
            {
                if (child.Cap is { } cap)
                {
                    await DownloadAsync(directory.Nodes.Create(cap), Path.Combine(local, SafeName(child.Name)), cancellationToken);
                }
            }

            return;
        }

        if (node is not IFileNode file)
        {
            throw new InvalidOperationException($"{node.Cap} cannot be read with this cap");
        }

        await LocalFileDownload.SaveAsync(file, local, null, null, null, cancellationToken);
    }

    // A name from the grid must not climb out of the target directory.
    private static string SafeName(string name) =>
        name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal)
            ? throw new InvalidOperationException($"the grid directory has a child named '{name}', which is not a safe local file name")
            : name;
}
