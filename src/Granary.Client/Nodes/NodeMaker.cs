using Granary.Core.Caps;
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
        _ => throw new ArgumentException($"Granary cannot use a {cap.GetType().Name} yet.", nameof(cap)),
    };

    /// <summary>
    /// Creates a mutable file holding <paramref name="content"/> (<paramref name="length"/> bytes):
    /// a new RSA key (or <paramref name="key"/>), SDMF or MDMF, k and n from the client's settings.
    /// </summary>
    public Task<MutableFileNode> CreateMutableFileAsync(MutableFormat format, Stream content, long length, SigningKey? key, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        MutableFileNode.CreateAsync(client, format, content, length, key, progress, cancellationToken);
}
