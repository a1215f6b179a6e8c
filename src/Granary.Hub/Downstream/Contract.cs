using Granary.Core.Proofs;

namespace Granary.Hub.Downstream;

/// <summary>
/// A chunk contract and its place in the challenge schedule (proofs-of-storage §2.9). Times are
/// the hub's microseconds. The contract expires at <see cref="ExpirationMicros"/>: its due time while
/// the current challenge is unanswered, one interval later once it is answered; an expired
/// contract never comes back.
/// </summary>
internal sealed record Contract(
    long Id, long TokenId, string Seed, long Size, long IntervalMicros, long StartMicros, long DueMicros, bool Answered, MerkleState State)
{
    public long ExpirationMicros => Answered ? DueMicros + IntervalMicros : DueMicros;

    public bool IsOnline(long nowMicros) => ExpirationMicros > nowMicros;

    /// <summary>The challenge last issued: the state keeps its seed, and its index is the one before the state's.</summary>
    public MerkleChallenge CurrentChallenge => new(State.Seed, State.Index - 1);

    /// <summary>
    /// This contract after its next challenge was issued: due one interval after the current
    /// expiration however late it was asked for, so the schedule never drifts.
    /// </summary>
    public Contract WithNextChallenge(MerkleState state) => this with { DueMicros = ExpirationMicros, Answered = false, State = state };
}
