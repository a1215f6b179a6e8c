namespace Granary.Core.Proofs;

/// <summary>
/// The node's private record of one chunk: the tree <see cref="Root"/>, how many of the
/// <see cref="ChallengeCount"/> challenges were issued (<see cref="Index"/>) and the seed of the
/// last one, signed with the node's key (<see cref="Hmac"/>) so a state kept outside the node cannot
/// be altered unnoticed. Immutable: issuing a challenge gives a new state, which the node stores in
/// place of the old one.
/// </summary>
public sealed class MerkleState
{
    public MerkleState(int index, ReadOnlySpan<byte> seed, int challengeCount, ReadOnlySpan<byte> root, ReadOnlySpan<byte> hmac, double timestamp)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfLessThan(challengeCount, 1);
        Index = index;
        Seed = seed.ToArray();
        ChallengeCount = challengeCount;
        Root = root.ToArray();
        Hmac = hmac.ToArray();
        Timestamp = timestamp;
    }

    /// <summary>How many challenges were issued; the next one proves leaf <see cref="Index"/>.</summary>
    public int Index { get; }

    /// <summary>The seed of the last challenge issued (at first, the chunk's secret starting seed).</summary>
    public byte[] Seed { get; }

    /// <summary>Leaves in the tree, so challenges the chunk supports (heartbeat's <c>n</c>; 256 on the node).</summary>
    public int ChallengeCount { get; }

    public byte[] Root { get; }

    public byte[] Hmac { get; }

    /// <summary>Signed with the rest and otherwise unused; any fixed value works (spec §3.1.6).</summary>
    public double Timestamp { get; }

    /// <summary>Levels of the tree, so rows in a proof: <c>ceil(log2(ChallengeCount))</c>.</summary>
    public int Order => MerkleHeartbeat.OrderOf(ChallengeCount);

    public bool HasChallengesLeft => Index < ChallengeCount;
}
