using Granary.Client.Maintenance;
using Granary.Core.Caps;

namespace Granary.Client.Nodes;

/// <summary>A file held by its verify cap: its shares can be found and checked, not read or repaired.</summary>
public sealed class VerifierNode(GranaryClient client, ChkVerifyCap cap) : FilesystemNode(cap)
{
    public override bool IsReadOnly => true;

    public override bool IsMutable => false;

    public override bool CanRead => false;

    public override Task<CheckReport> CheckAsync(bool verify, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        new FileChecker(client).CheckAsync(cap, verify, progress, cancellationToken);
}
