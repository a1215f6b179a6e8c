namespace Granary.Hub.Keeper;

/// <summary>Where a node stands with the keeper.</summary>
public enum NodeStanding
{
    /// <summary>Fewer than the vetting number of audits passed: audited, but given repaired shares only when fewer than n nodes are vetted.</summary>
    Vetting,

    /// <summary>Passed the vetting audits and scores above the disqualification line.</summary>
    Vetted,

    /// <summary>Scored below the line: no longer introduced to clients, its shares count as lost. Final.</summary>
    Disqualified,
}

/// <summary>
/// A node's audit reputation as Storj's satellite keeps it: a beta distribution with forgetting.
/// After each audit, α ← λα + (success ? 1 : 0) and β ← λβ + (success ? 0 : 1); the score is
/// α / (α + β). A new node starts at α = 1 / (1 − λ), β = 0 (score 1, as if it had always passed),
/// so with λ = 0.95 and a line of 0.6 it takes ten failures in a row to be disqualified, and a node
/// that fails a fifth of its audits settles near 0.8.
/// </summary>
public sealed record Reputation(double Alpha, double Beta, long Passed, long Failed, NodeStanding Standing)
{
    public double Score => Alpha + Beta <= 0 ? 1 : Alpha / (Alpha + Beta);

    public static Reputation New(KeeperOptions options) => new(1 / (1 - options.ReputationLambda), 0, 0, 0, NodeStanding.Vetting);

    /// <summary>This reputation after one audit; a disqualified node stays disqualified.</summary>
    public Reputation After(bool passed, KeeperOptions options)
    {
        if (Standing == NodeStanding.Disqualified)
        {
            return this with { Passed = Passed + (passed ? 1 : 0), Failed = Failed + (passed ? 0 : 1) };
        }

        var lambda = options.ReputationLambda;
        var next = new Reputation(
            (lambda * Alpha) + (passed ? 1 : 0),
            (lambda * Beta) + (passed ? 0 : 1),
            Passed + (passed ? 1 : 0),
            Failed + (passed ? 0 : 1),
            Standing);
        var standing = next.Score < options.DisqualifyBelow ? NodeStanding.Disqualified
            : next.Passed >= options.VettingAudits ? NodeStanding.Vetted
            : NodeStanding.Vetting;
        return next with { Standing = standing };
    }
}
