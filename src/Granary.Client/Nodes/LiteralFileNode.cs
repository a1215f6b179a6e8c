using Granary.Client.Download;
using Granary.Client.Maintenance;
using Granary.Core.Caps;

namespace Granary.Client.Nodes;

/// <summary>A file small enough (55 bytes or less) to live in its cap: no server holds anything.</summary>
public sealed class LiteralFileNode(LiteralCap cap) : FilesystemNode(cap), IFileNode
{
    public override bool IsReadOnly => true;

    public override bool IsMutable => false;

    public override bool CanRead => true;

    public long? KnownSize => cap.Data.Length;

    public async Task<long> ReadAsync(Stream output, long? from, long? to, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var (start, end) = ReadRange.Clip(from, to, cap.Data.Length);
        await output.WriteAsync(cap.Data.ToArray().AsMemory((int)start, (int)(end - start)), cancellationToken).ConfigureAwait(false);
        return end - start;
    }

    public override Task<RepairResult> RepairAsync(CheckReport report, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        Task.FromResult(new RepairResult([], report));

    public override Task<CheckReport> CheckAsync(bool verify, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        Task.FromResult(CheckReport.Literal(Cap.ToString()));
}
