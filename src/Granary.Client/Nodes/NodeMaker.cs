using Granary.Core.Caps;

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
        _ => throw new ArgumentException($"Granary cannot use a {cap.GetType().Name} yet.", nameof(cap)),
    };
}
