using Granary.Client.Paths;
using Granary.Core.Caps;
using Granary.Core.Directories;
using Granary.Core.Mutable;

namespace Granary.Client.Nodes;

/// <summary>
/// Turns any cap into the node it names, as Tahoe-LAFS's NodeMaker does: the cap alone decides the
/// kind of node (literal, immutable, mutable, directory) and what the holder may do with it (read
/// and write, read only, verify only). Nodes hold no state beyond their cap; every operation asks
/// the grid afresh.
/// </summary>
public sealed class NodeMaker(GranaryClient client)
{
    public FilesystemNode Create(Cap cap) => cap switch
    {
        LiteralCap literal => new LiteralFileNode(literal),
        ChkReadCap read => new ImmutableFileNode(client, read),
        ChkVerifyCap verify => new VerifierNode(client, verify),
        MutableWriteCap write => new MutableFileNode(client, write),
        MutableReadCap read => new MutableFileNode(client, read),
        DirectoryCap directory => new DirectoryNode(client, directory, Create(directory.FileCap)),
        _ => throw new ArgumentException($"Granary cannot use a {cap.GetType().Name} yet.", nameof(cap)),
    };

    /// <summary>The node a grid path names: its root's node, then each name's child in turn. Throws <see cref="PathNotFoundException"/> for a missing name.</summary>
    public async Task<FilesystemNode> ResolveAsync(GridPath path, CancellationToken cancellationToken)
    {
        var node = Create(path.Root);
        var walked = path.Root.ToString();
        foreach (var name in path.Segments)
        {
            if (node is not DirectoryNode directory)
            {
                throw new PathNotFoundException($"{walked} is not a directory, so it has no child '{name}'.");
            }

            node = (await directory.GetChildAsync(name, cancellationToken).ConfigureAwait(false))?.Node
                ?? throw new PathNotFoundException($"'{name}' does not exist in {(walked == path.Root.ToString() ? path.Text.Split(':')[0] + ":" : walked)}.");
            walked += "/" + name;
        }

        return node;
    }

    /// <summary>The directory a path's last name lives in.</summary>
    public async Task<DirectoryNode> ResolveParentAsync(GridPath path, CancellationToken cancellationToken) =>
        await ResolveAsync(path.Parent, cancellationToken).ConfigureAwait(false) as DirectoryNode
            ?? throw new PathNotFoundException($"The parent of {path.Text} is not a directory.");

    /// <summary>Creates a mutable directory holding <paramref name="children"/> (their metadata stored as given, as Tahoe does at creation).</summary>
    public async Task<DirectoryNode> CreateDirectoryAsync(MutableFormat format, IReadOnlyList<DirectoryChild> children, CancellationToken cancellationToken)
    {
        using var key = await client.Keys.TakeAsync(cancellationToken).ConfigureAwait(false);
        var writeCap = MutableWriteCap.FromKey(key, format);
        var contents = DirectoryContents.CreateMutable(writeCap.WriteKey);
        foreach (var child in children)
        {
            contents.Set(child);
        }

        var packed = contents.Pack();
        using var stream = new MemoryStream(packed);
        var file = await MutableFileNode.CreateAsync(client, format, stream, packed.Length, key, null, cancellationToken).ConfigureAwait(false);
        var cap = new DirectoryCap(file.WriteCap!);
        return new DirectoryNode(client, cap, file);
    }

    /// <summary>Creates an immutable directory (DIR2-CHK, or DIR2-LIT when small): every child must be immutable all the way down.</summary>
    public async Task<DirectoryNode> CreateImmutableDirectoryAsync(IReadOnlyList<DirectoryChild> children, CancellationToken cancellationToken)
    {
        var contents = DirectoryContents.CreateImmutable();
        foreach (var child in children)
        {
            contents.Set(child);
        }

        var packed = contents.Pack();
        using var stream = new MemoryStream(packed);
        var upload = await client.UploadAsync(stream, null, cancellationToken).ConfigureAwait(false);
        var cap = new DirectoryCap(upload.ReadCap);
        return new DirectoryNode(client, cap, Create(upload.ReadCap));
    }

    /// <summary>
    /// Creates a mutable file holding <paramref name="content"/> (<paramref name="length"/> bytes):
    /// a new RSA key (or <paramref name="key"/>), SDMF or MDMF, k and n from the client's settings.
    /// </summary>
    public Task<MutableFileNode> CreateMutableFileAsync(MutableFormat format, Stream content, long length, SigningKey? key, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        MutableFileNode.CreateAsync(client, format, content, length, key, progress, cancellationToken);
}
