using Granary.Core.Identity;

namespace Granary.Client.Maintenance;

public enum ShareState
{
    /// <summary>The server lists it and its header and URI extension block match the cap (blocks not read).</summary>
    Present,

    /// <summary>Every byte read and checked.</summary>
    Verified,

    /// <summary>Verification failed: the whole share, or only the blocks listed in <see cref="ShareHolding.BadBlocks"/>.</summary>
    Corrupt,

    /// <summary>The server failed while it was being read.</summary>
    Unreadable,

    /// <summary>A mutable file's share of a version other than the one readers see (older, or a colliding writer's).</summary>
    OtherVersion,
}

/// <summary>One copy of one share on one server.</summary>
/// <param name="BadBlocks">For a corrupt share whose hashes are sound, the segments whose blocks fail; empty when the whole share is unusable.</param>
/// <param name="ConfirmedByNode">The node checked the copy itself after the report and agrees it is corrupt, so an upload of the share may replace it there.</param>
public sealed record ShareHolding(int Share, NodeId Server, string Url, ShareState State, string? Reason = null, IReadOnlyList<int>? BadBlocks = null, bool ConfirmedByNode = false)
{
    /// <summary>Nothing wrong was found with this copy.</summary>
    public bool Intact => State is ShareState.Present or ShareState.Verified;

    /// <summary>This copy's block of <paramref name="segment"/> can be used.</summary>
    public bool GoodAt(int segment) => Intact || (State == ShareState.Corrupt && BadBlocks is { Count: > 0 } bad && !bad.Contains(segment));
}

/// <summary>What a check found: every copy of every share, and what that means for the file.</summary>
/// <remarks>
/// Judged block by block, as a download reads: the file is recoverable when every segment has good
/// blocks in at least k distinct shares, even if no k shares are wholly intact; it is healthy when
/// all n shares have an intact copy and those copies reach the wanted happiness.
/// </remarks>
/// <param name="SegmentCount">The file's segments, from its URI extension block (0 if no share could be read).</param>
/// <param name="CapProblem">Why the cap cannot be right for the shares its storage index finds (its k, n or size disagree with the file's), or null.</param>
public sealed record CheckReport(
    string Cap,
    string StorageIndex,
    int K,
    int N,
    int Happy,
    bool Verified,
    IReadOnlyList<ShareHolding> Holdings,
    IReadOnlyList<string> Problems,
    int SegmentCount = 0,
    string? CapProblem = null)
{
    /// <summary>The report for a literal file, which lives in its cap: healthy, with no shares at all.</summary>
    public static CheckReport Literal(string cap) => new(cap, "", 0, 0, 0, false, [], []) { IsLiteral = true };

    public bool IsLiteral { get; private init; }

    /// <summary>This report as if <paramref name="servers"/> held nothing (disqualified nodes, whose shares count as lost).</summary>
    public CheckReport Without(IReadOnlySet<NodeId> servers) =>
        servers.Count == 0 ? this : this with { Holdings = [.. Holdings.Where(h => !servers.Contains(h.Server))] };

    /// <summary>Distinct share numbers with at least one intact copy.</summary>
    public int GoodShares => Holdings.Where(h => h.Intact).Select(h => h.Share).Distinct().Count();

    public int Happiness => Selection.Happiness.Of(Holdings.Where(h => h.Intact).GroupBy(h => h.Share)
        .ToDictionary(g => g.Key, g => (IReadOnlySet<NodeId>)g.Select(h => h.Server).ToHashSet()));

    /// <summary>Share numbers with no intact copy: what a repair makes.</summary>
    public IReadOnlyList<int> Missing => [.. Enumerable.Range(0, N).Where(share => !Holdings.Any(h => h.Share == share && h.Intact))];

    /// <summary>Share numbers with a copy that is bad in some blocks only.</summary>
    public IReadOnlyList<int> PartlyCorrupt => [.. Holdings.Where(h => h.State == ShareState.Corrupt && h.BadBlocks is { Count: > 0 }).Select(h => h.Share).Distinct().Order()];

    public bool Healthy => CapProblem is null && GoodShares == N && Happiness >= Happy;

    public bool Recoverable => CapProblem is null && WeakestSegment is null;

    /// <summary>A segment with fewer than k good blocks, and how many it has; null when every segment has k.</summary>
    public (int Segment, int GoodBlocks)? WeakestSegment
    {
        get
        {
            var intact = GoodShares;
            if (intact >= K)
            {
                return null;
            }

            var partial = Holdings.Where(h => h.State == ShareState.Corrupt && h.BadBlocks is { Count: > 0 }).ToList();
            if (partial.Count == 0 || SegmentCount == 0)
            {
                return (0, intact);
            }

            // Only a segment some partial copy lacks can have fewer good blocks than the others.
            var segments = partial.SelectMany(h => h.BadBlocks!).Distinct().Order().ToList();
            if (segments.Count < SegmentCount)
            {
                segments.Insert(0, Enumerable.Range(0, SegmentCount).First(s => !segments.Contains(s)));
            }

            (int Segment, int GoodBlocks)? weakest = null;
            foreach (var segment in segments)
            {
                var good = Holdings.Where(h => h.GoodAt(segment)).Select(h => h.Share).Distinct().Count();
                if (good < K && (weakest is null || good < weakest.Value.GoodBlocks))
                {
                    weakest = (segment, good);
                }
            }

            return weakest;
        }
    }

    public string Summary
    {
        get
        {
            if (IsLiteral)
            {
                return "healthy: a literal file lives entirely in its cap";
            }

            if (CapProblem is not null)
            {
                return $"unrecoverable with this cap: {CapProblem}";
            }

            if (Healthy)
            {
                return $"healthy: all {N} shares on {Happiness} servers";
            }

            var partly = PartlyCorrupt.Where(share => !Holdings.Any(h => h.Share == share && h.Intact)).ToList();
            var damaged = partly.Count == 0 ? "" : $", share{(partly.Count == 1 ? "" : "s")} {string.Join(", ", partly)} bad in some blocks";
            if (WeakestSegment is (var segment, var blocks))
            {
                return SegmentCount > 0 && PartlyCorrupt.Count > 0
                    ? $"unrecoverable: segment {segment} has good blocks in only {blocks} shares, {K} needed"
                    : $"unrecoverable: {GoodShares} good shares, {K} needed";
            }

            return $"not healthy but recoverable: {GoodShares} of {N} shares intact{damaged}, happiness {Happiness} (wants {Happy}); repair restores it";
        }
    }
}
