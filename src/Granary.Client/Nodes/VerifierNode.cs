using Granary.Client.Maintenance;
using Granary.Core.Caps;

namespace Granary.Client.Nodes;

/// <summary>
/// A file held by its verify cap: its shares can be found, checked and repaired, never read. This is
/// what a hub's repairer holds: repair re-makes the shares from the ciphertext, so no read key is
/// ever derived or needed.
/// </summary>
public sealed class VerifierNode(GranaryClient client, ChkVerifyCap cap) : FilesystemNode(cap)
{
    public new ChkVerifyCap Cap => cap;

    public override bool IsReadOnly => true;

    public override bool IsMutable => false;

    public override bool CanRead => false;

    public override Task<CheckReport> CheckAsync(bool verify, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        new FileChecker(client).CheckAsync(cap, verify, progress, cancellationToken);

    /// <summary>Makes the shares <paramref name="report"/> found missing or corrupt again from the file's ciphertext and places them.</summary>
    public override Task<RepairResult> RepairAsync(CheckReport report, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        RepairAsync(report, RepairOptions.Default, progress, cancellationToken);

    /// <inheritdoc/>
    public override Task<RepairResult> RepairAsync(CheckReport report, RepairOptions options, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        new FileChecker(client).RepairAsync(cap, report, options, progress, cancellationToken);
}
