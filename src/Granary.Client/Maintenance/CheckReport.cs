using Granary.Core.Identity;

namespace Granary.Client.Maintenance;

public enum ShareState
{
    /// <summary>The server lists it (not read).</summary>
    Present,

    /// <summary>Every block and hash read and checked.</summary>
    Verified,

    /// <summary>Verification failed; see the reason.</summary>
    Corrupt,

    /// <summary>The server failed while it was being read.</summary>
    Unreadable,
}

/// <summary>One copy of one share on one server.</summary>
public sealed record ShareHolding(int Share, NodeId Server, string Url, ShareState State, string? Reason = null)
{
    public bool Good => State is ShareState.Present or ShareState.Verified;
}

/// <summary>What a check found: every copy of every share, and what that means for the file.</summary>
public sealed record CheckReport(string Cap, string StorageIndex, int K, int N, int Happy, bool Verified, IReadOnlyList<ShareHolding> Holdings, IReadOnlyList<string> Problems)
{
    /// <summary>Distinct share numbers with at least one good copy.</summary>
    public int GoodShares => Holdings.Where(h => h.Good).Select(h => h.Share).Distinct().Count();

    public int Happiness => Selection.Happiness.Of(Holdings.Where(h => h.Good).GroupBy(h => h.Share)
        .ToDictionary(g => g.Key, g => (IReadOnlySet<NodeId>)g.Select(h => h.Server).ToHashSet()));

    public IReadOnlyList<int> Missing => [.. Enumerable.Range(0, N).Where(share => !Holdings.Any(h => h.Share == share && h.Good))];

    public bool Healthy => GoodShares == N && Happiness >= Happy;

    public bool Recoverable => GoodShares >= K;

    public string Summary => Healthy
        ? $"healthy: all {N} shares on {Happiness} servers"
        : Recoverable
            ? $"not healthy but recoverable: {GoodShares} of {N} shares, happiness {Happiness} (wants {Happy}); repair restores it"
            : $"unrecoverable: {GoodShares} good shares, {K} needed";
}
