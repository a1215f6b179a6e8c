using Granary.Client.Nodes;

namespace Granary.Client.Maintenance;

/// <summary>What a deep check does to each object besides checking it.</summary>
/// <param name="Verify">Read and check every byte of every share (slow: n/k times the data).</param>
/// <param name="Repair">Repair each object the check finds unhealthy but recoverable, where the cap allows it.</param>
/// <param name="AddLease">Add or renew this client's lease on every server found holding shares.</param>
public sealed record DeepCheckOptions(bool Verify = false, bool Repair = false, bool AddLease = false);

/// <summary>One object a deep check met: what the check found, what the repair did, the leases renewed.</summary>
/// <param name="Path">Names from the start of the walk to the object (empty for the start itself).</param>
/// <param name="Check">The check's report; null when the object could not be checked at all (see <paramref name="Problem"/>).</param>
/// <param name="Repair">The repair's result, when one ran and finished.</param>
/// <param name="LeasesRenewed">Servers on which this client's lease on the object was added or renewed.</param>
/// <param name="Problem">What went wrong with this object: a check or repair that failed, a directory that could not be listed (its children were not walked), a cap that cannot repair.</param>
public sealed record DeepCheckEntry(IReadOnlyList<string> Path, FilesystemNode Node, CheckReport? Check, RepairResult? Repair, int LeasesRenewed, string? Problem)
{
    /// <summary>"directory", "immutable", "mutable" or "literal".</summary>
    public string Kind => Node switch
    {
        DirectoryNode => "directory",
        LiteralFileNode => "literal",
        MutableFileNode => "mutable",
        _ => "immutable",
    };

    /// <summary>For a directory whose shares could be found but whose listing could not be read, why; such a directory is unrecoverable whatever its shares say.</summary>
    public string? ListingError { get; init; }

    public bool Healthy => ListingError is null && Check?.Healthy == true;

    public bool Recoverable => ListingError is null && Check?.Recoverable == true;

    /// <summary>A repair was started: it finished (<see cref="Repair"/>) or failed (<see cref="Problem"/>).</summary>
    public bool RepairAttempted { get; init; }

    public bool RepairSucceeded => Repair?.After.Healthy == true;

    /// <summary>The state the object is left in: after the repair if one finished, else as checked.</summary>
    public bool HealthyAfter => ListingError is null && (Repair?.After.Healthy ?? Healthy);

    public bool RecoverableAfter => ListingError is null && (Repair?.After.Recoverable ?? Recoverable);

    /// <summary>The path as a reader writes it, "" for the start.</summary>
    public string PathText => string.Join('/', Path);
}

/// <summary>
/// Tahoe's deep-check counters. <see cref="Unhealthy"/> counts every object not healthy before any
/// repair, <see cref="Unrecoverable"/> (a part of them) those that cannot be read; the post-repair
/// counts are the same as the pre-repair ones when no repair was asked for.
/// </summary>
public sealed record DeepCheckTotals(
    int ObjectsChecked,
    int Healthy,
    int Unhealthy,
    int Unrecoverable,
    int RepairsAttempted,
    int RepairsSuccessful,
    int RepairsUnsuccessful,
    int HealthyAfterRepair,
    int UnhealthyAfterRepair,
    int UnrecoverableAfterRepair,
    int LeasesRenewed)
{
    public static DeepCheckTotals Of(IReadOnlyList<DeepCheckEntry> entries) => new(
        entries.Count,
        entries.Count(e => e.Healthy),
        entries.Count(e => !e.Healthy),
        entries.Count(e => !e.Recoverable),
        entries.Count(e => e.RepairAttempted),
        entries.Count(e => e.RepairAttempted && e.RepairSucceeded),
        entries.Count(e => e.RepairAttempted && !e.RepairSucceeded),
        entries.Count(e => e.HealthyAfter),
        entries.Count(e => !e.HealthyAfter),
        entries.Count(e => !e.RecoverableAfter),
        entries.Sum(e => e.LeasesRenewed));
}

/// <summary>Everything a deep check met, in walk order, and the totals.</summary>
public sealed record DeepCheckReport(IReadOnlyList<DeepCheckEntry> Entries, DeepCheckTotals Totals)
{
    /// <summary>Nothing is left unrecoverable and no repair failed.</summary>
    public bool Succeeded => Totals.UnrecoverableAfterRepair == 0 && Totals.RepairsUnsuccessful == 0;
}
