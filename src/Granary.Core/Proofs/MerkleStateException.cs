namespace Granary.Core.Proofs;

/// <summary>
/// A node-private Merkle state that cannot be used: its HMAC does not match ("Signature invalid on
/// state.", so it was altered or signed with another key), or all its challenges were issued
/// ("Out of challenges."). The texts are heartbeat's; the node answers both with
/// <c>"status": "no more challenges"</c>.
/// </summary>
public sealed class MerkleStateException : Exception
{
    public const string InvalidSignature = "Signature invalid on state.";
    public const string OutOfChallenges = "Out of challenges.";

    public MerkleStateException()
    {
    }

    public MerkleStateException(string message)
        : base(message)
    {
    }

    public MerkleStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
