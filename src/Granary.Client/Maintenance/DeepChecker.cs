using Granary.Client.Nodes;

namespace Granary.Client.Maintenance;

/// <summary>
/// Tahoe's deep-check: checks (optionally verifies, repairs and renews the leases of) every object
/// reachable from a start, one at a time in <see cref="DeepTraversal"/>'s order.
/// </summary>
/// <remarks>
/// Guarantees: each storage index is visited once, so a directory linked into itself or twice is
/// checked once and the walk ends; a failure that belongs to one object (too few shares, a
/// directory that cannot be listed, a repair that fails) is recorded against it and the walk goes
/// on. A directory that cannot be listed hides its children: they are not counted, and the
/// directory counts as unrecoverable. Leases are renewed after the check, before any repair (the
/// shares a repair places carry this client's lease from their upload). Objects are checked in
/// sequence: it does not try to bound load across servers, as a hub's checker does.
/// </remarks>
internal sealed class DeepChecker(GranaryClient client, DeepCheckOptions options)
{
    public async Task<DeepCheckReport> RunAsync(FilesystemNode start, IProgress<DeepCheckEntry>? progress, CancellationToken cancellationToken)
    {
        var entries = new List<DeepCheckEntry>();
        await foreach (var met in DeepTraversal.WalkAsync(client.Nodes, start, continuePastUnreadable: true, cancellationToken).ConfigureAwait(false))
        {
            var entry = await CheckOneAsync(met, cancellationToken).ConfigureAwait(false);
            entries.Add(entry);
            progress?.Report(entry);
        }

        return new DeepCheckReport(entries, DeepCheckTotals.Of(entries));
    }

    private async Task<DeepCheckEntry> CheckOneAsync(DeepEntry met, CancellationToken cancellationToken)
    {
        var node = met.Node;
        CheckReport report;
        try
        {
            report = await node.CheckAsync(options.Verify, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (GridFailure.Is(e))
        {
            return new DeepCheckEntry(met.Path, node, null, null, 0, $"check failed: {e.Message}");
        }

        var leases = options.AddLease ? await client.RenewLeasesAsync(report, cancellationToken).ConfigureAwait(false) : 0;
        if (met.ReadError is { } unlisted)
        {
            // Repair cannot help here: too few shares to read, or contents that are not a listing.
            return new DeepCheckEntry(met.Path, node, report, null, leases, $"could not list the directory, so its children were not checked: {unlisted}") { ListingError = unlisted };
        }

        if (!options.Repair || report.Healthy || !report.Recoverable)
        {
            return new DeepCheckEntry(met.Path, node, report, null, leases, null);
        }

        if (!CanRepair(node))
        {
            return new DeepCheckEntry(met.Path, node, report, null, leases, "not repaired: repair needs a cap that can read (and, for a mutable object, write) it");
        }

        try
        {
            var repaired = await node.RepairAsync(report, null, cancellationToken).ConfigureAwait(false);
            return new DeepCheckEntry(met.Path, node, report, repaired, leases, repaired.After.Healthy ? null : $"repair left it {repaired.After.Summary}") { RepairAttempted = true };
        }
        catch (Exception e) when (GridFailure.Is(e))
        {
            return new DeepCheckEntry(met.Path, node, report, null, leases, $"repair failed: {e.Message}") { RepairAttempted = true };
        }
    }

    // Immutable objects repair with their read cap; a mutable one is republished, which needs its write cap.
    private static bool CanRepair(FilesystemNode node) => node switch
    {
        DirectoryNode directory => CanRepair(directory.File),
        ImmutableFileNode or LiteralFileNode => true,
        MutableFileNode file => file.WriteCap is not null,
        _ => false,
    };
}
