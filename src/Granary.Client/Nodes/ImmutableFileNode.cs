using Granary.Client.Download;
using Granary.Client.Maintenance;
using Granary.Core.Caps;

namespace Granary.Client.Nodes;

/// <summary>An immutable (CHK) file, read with its read cap: downloadable, checkable and repairable.</summary>
public sealed class ImmutableFileNode(GranaryClient client, ChkReadCap cap) : FilesystemNode(cap), IFileNode
{
    public new ChkReadCap Cap => cap;

    public override bool IsReadOnly => true;

    public override bool IsMutable => false;

    public override bool CanRead => true;

    public long? KnownSize => cap.Size;

    public Task<long> ReadAsync(Stream output, long? from, long? to, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        new Downloader(client.Grid).DownloadAsync(cap, output, from, to, progress, cancellationToken);

    public override Task<CheckReport> CheckAsync(bool verify, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        new FileChecker(client).CheckAsync(cap, verify, progress, cancellationToken);

    /// <summary>Makes the shares <paramref name="report"/> found missing or corrupt again and places them (with the verify cap alone, as <see cref="VerifierNode"/> does).</summary>
    public override Task<RepairResult> RepairAsync(CheckReport report, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        RepairAsync(report, RepairOptions.Default, progress, cancellationToken);

    /// <inheritdoc/>
    public override Task<RepairResult> RepairAsync(CheckReport report, RepairOptions options, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        new FileChecker(client).RepairAsync(cap.VerifyCap, report, options, progress, cancellationToken);
}
