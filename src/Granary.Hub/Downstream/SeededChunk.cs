using Granary.Core.Proofs;

namespace Granary.Hub.Downstream;

/// <summary>
/// A test chunk as the downstream node makes one (proofs-of-storage §2.10, §4.1): a random seed
/// (hex of 16 bytes), the first <c>size</c> bytes of its RandomIO stream, encoded for 256 challenges
/// under the hub's heartbeat. The bytes are never stored or sent; the farmer regenerates them from
/// the seed. The tag goes to the farmer once and is not kept; the state stays with the contract.
/// </summary>
internal sealed record SeededChunk(string Seed, long Size, MerkleTag Tag, MerkleState State)
{
    private const int SeedBytes = 16;
    private const int StateSeedBytes = 32;

    /// <summary>The signed timestamp in every state: any fixed value works, since it never leaves the hub (§3.1.6).</summary>
    public const double StateTimestamp = 0.0;

    public static SeededChunk Generate(MerkleHeartbeat heartbeat, long size)
    {
        var seed = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(SeedBytes));
        using var stream = new RandomIoStream(seed, size);
        var (tag, state) = heartbeat.Encode(stream, MerkleHeartbeat.NodeChallengeCount, System.Security.Cryptography.RandomNumberGenerator.GetBytes(StateSeedBytes), StateTimestamp);
        return new SeededChunk(seed, size, tag, state);
    }
}
