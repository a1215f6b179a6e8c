using Granary.Client.Maintenance;
using Granary.Core.Caps;
using Granary.Core.Directories;

namespace Granary.Client.Nodes;

/// <summary>
/// A directory (Tahoe-LAFS dirnode): a file whose contents are packed entries of names, caps and
/// metadata. A mutable directory (DIR2 on SDMF, DIR2-MDMF) held by its write cap can be changed;
/// each change reads the current entries, applies itself and publishes, retrying when another
/// writer collided (<see cref="MutableFileNode.ModifyAsync"/>). Read caps list; immutable
/// directories (DIR2-CHK, DIR2-LIT) never change.
/// </summary>
public sealed class DirectoryNode : FilesystemNode
{
    private readonly GranaryClient _client;
    private readonly FilesystemNode _file;

    internal DirectoryNode(GranaryClient client, DirectoryCap cap, FilesystemNode file)
        : base(cap)
    {
        _client = client;
        _file = file;
        DirectoryCap = cap;
    }

    public DirectoryCap DirectoryCap { get; }

    /// <summary>The node maker of this directory's client, for its children's caps.</summary>
    public NodeMaker Nodes => _client.Nodes;

    public override bool IsReadOnly => !DirectoryCap.IsWritable;

    public override bool IsMutable => DirectoryCap.IsMutable;

    public override bool CanRead => !DirectoryCap.IsVerifier;

    /// <summary>The entries as they are now, in name order.</summary>
    public async Task<DirectoryContents> ListAsync(CancellationToken cancellationToken) =>
        (await ReadAsync(cancellationToken).ConfigureAwait(false)).Contents;

    /// <summary>The entries as they are now, and the size in bytes of the file that holds them.</summary>
    public async Task<(DirectoryContents Contents, long Size)> ReadAsync(CancellationToken cancellationToken)
    {
        if (_file is not IFileNode file)
        {
            throw new InvalidOperationException($"{DirectoryCap} is a verify cap: it can check the directory but not list it.");
        }

        using var buffer = new MemoryStream();
        await file.ReadAsync(buffer, null, null, null, cancellationToken).ConfigureAwait(false);
        return (DirectoryContents.Unpack(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), DirectoryCap), buffer.Length);
    }

    /// <summary>The file holding the entries (a mutable file, or an immutable or literal one).</summary>
    public FilesystemNode File => _file;

    /// <summary>The child called <paramref name="name"/>, or null when there is none.</summary>
    public async Task<(DirectoryChild Entry, FilesystemNode Node)?> GetChildAsync(string name, CancellationToken cancellationToken)
    {
        var contents = await ListAsync(cancellationToken).ConfigureAwait(false);
        if (!contents.TryGetChild(name, out var child) || child!.Cap is not { } cap)
        {
            return null;
        }

        return (child, _client.Nodes.Create(cap));
    }

    /// <summary>Links <paramref name="cap"/> as <paramref name="name"/> (metadata as Tahoe writes it); refuses an existing name unless <paramref name="overwrite"/>.</summary>
    public Task SetChildAsync(string name, Cap cap, MetadataObject? metadata, bool overwrite, CancellationToken cancellationToken) =>
        ModifyAsync(contents => contents.Link(name, cap, metadata, Now(), overwrite), cancellationToken);

    /// <summary>Links many children at once (one publish).</summary>
    public Task SetChildrenAsync(IReadOnlyList<(string Name, Cap Cap, MetadataObject? Metadata)> children, bool overwrite, CancellationToken cancellationToken) =>
        ModifyAsync(contents =>
        {
            var now = Now();
            foreach (var (name, cap, metadata) in children)
            {
                contents.Link(name, cap, metadata, now, overwrite);
            }
        }, cancellationToken);

    /// <summary>Unlinks <paramref name="name"/>; false when there was no such child.</summary>
    public async Task<bool> RemoveChildAsync(string name, CancellationToken cancellationToken)
    {
        var removed = false;
        await ModifyAsync(contents => removed = contents.Remove(name), cancellationToken).ConfigureAwait(false);
        return removed;
    }

    /// <summary>Makes a new empty mutable directory and links it as <paramref name="name"/>; returns it.</summary>
    public async Task<DirectoryNode> CreateSubdirectoryAsync(string name, Core.Mutable.MutableFormat format, CancellationToken cancellationToken)
    {
        var contents = await ListAsync(cancellationToken).ConfigureAwait(false);
        if (contents.TryGetChild(name, out _))
        {
            throw new InvalidOperationException($"There is already an entry named '{name}' here.");
        }

        var created = await _client.Nodes.CreateDirectoryAsync(format, [], cancellationToken).ConfigureAwait(false);
        await SetChildAsync(name, created.DirectoryCap, null, overwrite: false, cancellationToken).ConfigureAwait(false);
        return created;
    }

    public override Task<CheckReport> CheckAsync(bool verify, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        _file.CheckAsync(verify, progress, cancellationToken);

    public override Task<RepairResult> RepairAsync(CheckReport report, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        _file.RepairAsync(report, progress, cancellationToken);

    public override Task<RepairResult> RepairAsync(CheckReport report, RepairOptions options, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        _file.RepairAsync(report, options, progress, cancellationToken);

    private async Task ModifyAsync(Action<DirectoryContents> change, CancellationToken cancellationToken)
    {
        if (_file is not MutableFileNode { WriteCap: not null } file)
        {
            throw new ReadOnlyException(DirectoryCap.IsMutable
                ? $"{DirectoryCap} is a read-only directory cap: it can list the directory but not change it."
                : $"{DirectoryCap} is an immutable directory: it never changes.");
        }

        await file.ModifyAsync(old =>
        {
            var contents = DirectoryContents.Unpack(old, DirectoryCap);
            change(contents);
            return contents.Pack();
        }, cancellationToken).ConfigureAwait(false);
    }

    private double Now() => _client.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
}
