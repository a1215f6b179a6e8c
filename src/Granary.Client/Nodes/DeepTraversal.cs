using Granary.Client.Maintenance;
using Granary.Core.Caps;
using Granary.Core.Directories;

namespace Granary.Client.Nodes;

/// <summary>
/// One object met walking a directory tree: its path below the start, its node, and the directory
/// entry that led to it (null for the start); for a directory, its contents and the size of the file
/// holding them.
/// </summary>
public sealed record DeepEntry(IReadOnlyList<string> Path, FilesystemNode Node, DirectoryChild? Entry)
{
    public DirectoryContents? Contents { get; init; }

    /// <summary>Why a directory's contents could not be read, when the walk was asked to go on past it (its children are not walked).</summary>
    public string? ReadError { get; init; }

    public long? DirectorySize { get; init; }
}

/// <summary>
/// Walks everything reachable from a node, as Tahoe's deep-traverse does: the start first, then,
/// depth first, each directory's children sorted by name with files before subdirectories. An
/// object already met (by verify cap — a directory linked twice, or a cycle) is not walked again;
/// literal files and caps Granary does not know are yielded every time, as they have no verify cap.
/// </summary>
public static class DeepTraversal
{
    /// <summary>Walks from <paramref name="start"/>; a directory that cannot be read ends the walk with its exception.</summary>
    public static IAsyncEnumerable<DeepEntry> WalkAsync(NodeMaker nodes, FilesystemNode start, CancellationToken cancellationToken) =>
        WalkAsync(nodes, start, continuePastUnreadable: false, cancellationToken);

    /// <summary>
    /// Walks from <paramref name="start"/>; with <paramref name="continuePastUnreadable"/>, a directory
    /// whose contents the grid cannot give (too few shares, a malformed listing) is yielded with its
    /// <see cref="DeepEntry.ReadError"/> and the walk goes on without its children.
    /// </summary>
    public static async IAsyncEnumerable<DeepEntry> WalkAsync(NodeMaker nodes, FilesystemNode start, bool continuePastUnreadable, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<DeepEntry>();
        stack.Push(new DeepEntry([], start, null));
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = stack.Pop();
            if (VerifyKey(entry.Node.Cap) is { } key && !seen.Add(key))
            {
                continue;
            }

            if (entry.Node is not DirectoryNode directory || !directory.CanRead)
            {
                yield return entry;
                continue;
            }

            (DirectoryContents Contents, long Size)? read = null;
            string? error = null;
            try
            {
                read = await directory.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (continuePastUnreadable && GridFailure.Is(e))
            {
                error = e.Message;
            }

            if (read is not var (contents, size))
            {
                yield return entry with { ReadError = error };
                continue;
            }

            yield return entry with { Contents = contents, DirectorySize = size };
            var children = contents.Children
                .Where(c => c.Cap is not null)
                .Select(c => new DeepEntry([.. entry.Path, c.Name], nodes.Create(c.Cap!), c))
                .ToList();

            // Pushed in reverse so that they pop in order: files (by name), then directories (by name).
            var ordered = children.Where(c => c.Node is not DirectoryNode).Concat(children.Where(c => c.Node is DirectoryNode)).ToList();
            for (var i = ordered.Count - 1; i >= 0; i--)
            {
                stack.Push(ordered[i]);
            }
        }
    }

    private static string? VerifyKey(Cap cap) => cap switch
    {
        LiteralCap or DirectoryCap { FileCap: LiteralCap } => null,
        _ when cap.TryGetStorageIndex(out var index) => index.ToString(),
        _ => null,
    };
}
