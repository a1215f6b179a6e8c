using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Granary.Core.Directories;

namespace Granary.Core.Proofs;

/// <summary>
/// heartbeat 0.1.10's Merkle scheme, byte for byte (proofs-of-storage §3.1): the node encodes a chunk
/// into a public tag and a private state, then issues challenges one at a time; the farmer answers
/// each from the file and the tag; the node checks the answer against the root it kept.
/// </summary>
/// <remarks>
/// <para>What it shows: the farmer could read, at the moment of the challenge, the bytes of the file
/// at an offset it could not predict (the offset and the leaf's HMAC key come from a seed chain keyed
/// with the node's secret). Each challenge reads <c>chunksz</c> bytes (a fraction of the file), so a
/// farmer keeping a part of the file fails each challenge with the probability that the part misses
/// the challenged bytes.</para>
/// <para>What it assumes: the node's key stays secret (it signs the states and drives the seed chain)
/// and a chunk gets at most <c>n</c> challenges, one per leaf, each used once.</para>
/// <para>What it does not do: show that the bytes were stored rather than recomputed (a seeded test
/// chunk can be regenerated on demand), or that the farmer holds anything the node did not give it.
/// The verification here is stricter than upstream's (the hash must sit on the side the index
/// names, and the branch must have exactly one row per level); every honest proof passes both.</para>
/// </remarks>
public sealed class MerkleHeartbeat
{
    /// <summary>heartbeat's default bytes per leaf when no check fraction is set.</summary>
    public const int DefaultChunkSize = 8192;

    /// <summary>The downstream node's challenges per chunk.</summary>
    public const int NodeChallengeCount = 256;

    /// <summary>The downstream node's check fraction: each challenge reads 1% of the chunk.</summary>
    public const double NodeCheckFraction = 0.01;

    /// <summary>Most tree levels accepted from a peer (2^20 leaves), bounding what parsing allocates.</summary>
    internal const int MaxOrder = 20;

    private const int KeySize = 32;

    private readonly byte[] _key;
    private readonly long _chunkSize;

    /// <param name="key">The node's secret (32 random bytes on the node).</param>
    /// <param name="checkFraction">Bytes per leaf as a fraction of the file (<c>int(f × filesz)</c>), or null for a fixed <paramref name="chunkSize"/>.</param>
    public MerkleHeartbeat(ReadOnlySpan<byte> key, double? checkFraction, long chunkSize = DefaultChunkSize)
    {
        if (checkFraction is { } f && (double.IsNaN(f) || f < 0 || f > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(checkFraction), checkFraction, "The check fraction lies between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(chunkSize);
        _key = key.ToArray();
        CheckFraction = checkFraction;
        _chunkSize = chunkSize;
    }

    /// <summary>A node's heartbeat: a fresh random key and the node's 1% check fraction.</summary>
    public static MerkleHeartbeat CreateForNode() => new(RandomNumberGenerator.GetBytes(KeySize), NodeCheckFraction);

    public double? CheckFraction { get; }

    /// <summary>
    /// The public heartbeat object a farmer is given: <c>{"check_fraction": f, "key": ""}</c>, the
    /// key stripped. The secret key never leaves the node.
    /// </summary>
    public void WritePublicTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        if (CheckFraction is { } f)
        {
            writer.WriteNumber("check_fraction", f);
        }
        else
        {
            writer.WriteNull("check_fraction");
        }

        writer.WriteString("key", "");
        writer.WriteEndObject();
    }

    public string PublicJson() => HeartbeatJson.Write(WritePublicTo);

    /// <summary>Bytes per leaf for a file: <c>int(f × filesz)</c> in double arithmetic, or the fixed size.</summary>
    public long ChunkSizeFor(long fileSize) => CheckFraction is { } f ? (long)(f * fileSize) : _chunkSize;

    /// <summary>
    /// Encodes a chunk for <paramref name="challengeCount"/> challenges from the secret starting
    /// <paramref name="seed"/> (32 random bytes on the node): the tag for the farmer and the signed
    /// state the node keeps. <paramref name="file"/> must be seekable; its length is the file size.
    /// </summary>
    public (MerkleTag Tag, MerkleState State) Encode(Stream file, int challengeCount, ReadOnlySpan<byte> seed, double timestamp)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfLessThan(challengeCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(challengeCount, 1 << MaxOrder);
        var fileSize = file.Length;
        var chunkSize = ChunkSizeFor(fileSize);
        var order = OrderOf(challengeCount);
        var width = 1 << order;
        var nodes = new byte[2 * width][];
        Array.Fill(nodes, []);
        var leafSeed = NextSeed(seed);
        for (var i = 0; i < challengeCount; i++)
        {
            nodes[i + width - 1] = LeafHash(ChunkHash(file, leafSeed, fileSize, chunkSize, out _), i);
            leafSeed = NextSeed(leafSeed);
        }

        for (var k = width - 2; k >= 0; k--)
        {
            nodes[k] = ParentHash(nodes[(2 * k) + 1], nodes[(2 * k) + 2]);
        }

        var root = nodes[0];
        var state = Signed(0, seed, challengeCount, root, timestamp);
        return (new MerkleTag(nodes, order, chunkSize, fileSize), state);
    }

    /// <summary>
    /// Issues the next challenge of a state: the next seed of the chain and the next leaf index.
    /// Returns it with the state to keep from now on.
    /// </summary>
    /// <exception cref="MerkleStateException">The state was altered, or all its challenges were issued.</exception>
    public (MerkleChallenge Challenge, MerkleState State) NextChallenge(MerkleState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        CheckSignature(state);
        if (!state.HasChallengesLeft)
        {
            throw new MerkleStateException(MerkleStateException.OutOfChallenges);
        }

        var seed = NextSeed(state.Seed);
        var next = Signed(state.Index + 1, seed, state.ChallengeCount, state.Root, state.Timestamp);
        return (new MerkleChallenge(seed, state.Index), next);
    }

    /// <summary>
    /// True when <paramref name="proof"/> answers <paramref name="challenge"/>: its leaf is the
    /// challenged one and its branch leads, level by level on the side the index names, to the
    /// state's root.
    /// </summary>
    /// <exception cref="MerkleStateException">The state was altered or signed with another key.</exception>
    public bool Verify(MerkleProof proof, MerkleChallenge challenge, MerkleState state)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(state);
        CheckSignature(state);
        var order = state.Order;
        if (proof.Index != challenge.Index || proof.Rows.Count != order)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[32];
        LeafHash(proof.Blob, proof.Index, hash);
        var position = proof.Index + (1 << order) - 1;
        foreach (var (left, right) in proof.Rows)
        {
            // In the heap array a left child has an odd index.
            var expected = position % 2 == 1 ? left : right;
            if (!hash.SequenceEqual(expected))
            {
                return false;
            }

            ParentHash(left, right, hash);
            position = ((position + 1) / 2) - 1;
        }

        return CryptographicOperations.FixedTimeEquals(hash, state.Root);
    }

    /// <summary>
    /// The farmer's answer to a challenge, from the chunk file and the tag it was given. The file is
    /// read at the challenge's offset only; a file that lost those bytes gives a proof that fails.
    /// </summary>
    public static MerkleProof Prove(Stream file, MerkleChallenge challenge, MerkleTag tag)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(tag);
        var width = 1 << tag.Order;
        if (challenge.Index >= width)
        {
            throw new ArgumentException($"Challenge {challenge.Index} is beyond the tag's {width} leaves.", nameof(challenge));
        }

        var blob = ChunkHash(file, challenge.Seed, tag.FileSize, tag.ChunkSize, out _);
        var rows = new (byte[], byte[])[tag.Order];
        var position = challenge.Index + width - 1;
        for (var level = 0; level < tag.Order; level++)
        {
            rows[level] = position % 2 == 1 ? (tag.Nodes[position], tag.Nodes[position + 1]) : (tag.Nodes[position - 1], tag.Nodes[position]);
            position = ((position + 1) / 2) - 1;
        }

        return new MerkleProof(challenge.Index, blob, rows);
    }

    /// <summary>A leaf of the tree: <c>SHA256(blob ‖ ascii(index))</c>.</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> blob, int index)
    {
        var hash = new byte[32];
        LeafHash(blob, index, hash);
        return hash;
    }

    /// <summary>
    /// A leaf's blob: <c>HMAC-SHA256(seed, file[o : o + chunksz])</c> with the offset
    /// <c>o = PRF(seed, filesz − chunksz + 1)</c>, chunksz clamped to the file size. Bytes missing
    /// from a short file are simply not hashed, as upstream's <c>read</c> returns fewer.
    /// </summary>
    internal static byte[] ChunkHash(Stream file, ReadOnlySpan<byte> seed, long fileSize, long chunkSize, out long offset)
    {
        chunkSize = Math.Min(chunkSize, fileSize);
        offset = KeyedPrf.Value(seed, fileSize - chunkSize + 1);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, seed);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(chunkSize, 1 << 20));
        try
        {
            file.Seek(offset, SeekOrigin.Begin);
            for (long done = 0; done < chunkSize;)
            {
                var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, chunkSize - done));
                if (read == 0)
                {
                    break;
                }

                hmac.AppendData(buffer, 0, read);
                done += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return hmac.GetHashAndReset();
    }

    internal static int OrderOf(int leaves) => leaves <= 1 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)(leaves - 1));

    private static void LeafHash(ReadOnlySpan<byte> blob, int index, Span<byte> hash)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(blob);
        Span<byte> digits = stackalloc byte[11];
        index.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        sha.AppendData(digits[..written]);
        sha.GetHashAndReset(hash);
    }

    // An inner node hashes its children's concatenation, empty children left out.
    private static byte[] ParentHash(byte[] left, byte[] right)
    {
        var hash = new byte[32];
        ParentHash(left, right, hash);
        return hash;
    }

    private static void ParentHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> hash)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(left);
        sha.AppendData(right);
        sha.GetHashAndReset(hash);
    }

    // The seed chain: next(x) = HMAC-SHA256(key, x).
    private byte[] NextSeed(ReadOnlySpan<byte> seed) => HMACSHA256.HashData(_key, seed);

    private MerkleState Signed(int index, ReadOnlySpan<byte> seed, int challengeCount, ReadOnlySpan<byte> root, double timestamp) =>
        new(index, seed, challengeCount, root, StateHmac(index, seed, challengeCount, root, timestamp), timestamp);

    private void CheckSignature(MerkleState state)
    {
        if (!CryptographicOperations.FixedTimeEquals(StateHmac(state.Index, state.Seed, state.ChallengeCount, state.Root, state.Timestamp), state.Hmac))
        {
            throw new MerkleStateException(MerkleStateException.InvalidSignature);
        }
    }

    // HMAC(key, ascii(index) ‖ seed ‖ ascii(n) ‖ root ‖ repr(timestamp)).
    private byte[] StateHmac(int index, ReadOnlySpan<byte> seed, int challengeCount, ReadOnlySpan<byte> root, double timestamp)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(Encoding.ASCII.GetBytes(index.ToString(CultureInfo.InvariantCulture)));
        hmac.AppendData(seed);
        hmac.AppendData(Encoding.ASCII.GetBytes(challengeCount.ToString(CultureInfo.InvariantCulture)));
        hmac.AppendData(root);
        hmac.AppendData(Encoding.ASCII.GetBytes(MetadataJson.FormatFloat(timestamp)));
        return hmac.GetHashAndReset();
    }
}
