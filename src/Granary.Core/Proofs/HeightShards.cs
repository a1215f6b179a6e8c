using System.Security.Cryptography;
using System.Text;

namespace Granary.Core.Proofs;

/// <summary>
/// dataserv-client 2.1.4's "height": the farmer fills its space with 128 MiB shards, each the
/// RandomIO stream of a seed chained from its payout address, so a hub can check a claimed height
/// by auditing random shards without ever sending data (proofs-of-storage §5, dataserv-api §13).
/// Shard <c>h</c> (1-based) is named by <c>seed_{h−1}</c>, where <c>seed_0 = hex(SHA256(address))</c>
/// and <c>seed_{i+1} = hex(SHA256(seed_i))</c>.
/// </summary>
/// <remarks>
/// Height proves space, not custody: anyone who knows the address can regenerate every shard, so a
/// farmer that answers audits quickly shows it holds (or can produce in time) that many bytes of
/// seeded data, never that it holds anyone's files.
/// </remarks>
public static class HeightShards
{
    /// <summary>dataserv-client's <c>SHARD_SIZE</c>: 128 MiB.</summary>
    public const long ShardSize = 134_217_728;

    /// <summary>After how many shards <c>build</c> reports the height by default (<c>--set_height_interval</c>).</summary>
    public const int DefaultReportInterval = 25;

    /// <summary>Bytes a dataserv audit samples per piece, and pieces sampled (Builder.audit).</summary>
    public const int AuditPieceSize = 1024;

    public const int AuditPieces = 3;

    private const int FolderPieceLength = 3;

    /// <summary>Shards that fit in <paramref name="maxSize"/> bytes: <c>int(max_size / SHARD_SIZE)</c>.</summary>
    public static long TargetHeight(long maxSize, long shardSize = ShardSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        return maxSize / shardSize;
    }

    /// <summary><c>seed_0</c> of a payout address.</summary>
    public static string FirstSeed(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return HexHash(address);
    }

    /// <summary>The seed after <paramref name="seed"/>: the hex SHA-256 of its text.</summary>
    public static string NextSeed(string seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        return HexHash(seed);
    }

    /// <summary>The first <paramref name="count"/> seeds, shard 1's first.</summary>
    public static string[] Seeds(string address, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var seeds = new string[count];
        for (var i = 0; i < count; i++)
        {
            seeds[i] = i == 0 ? FirstSeed(address) : NextSeed(seeds[i - 1]);
        }

        return seeds;
    }

    /// <summary>
    /// Where a shard lives under the store: the seed as file name, and with
    /// <paramref name="folderTree"/> (dataserv-client's <c>--use_folder_tree</c>) under nested
    /// folders named by consecutive 3-character pieces of the seed.
    /// </summary>
    public static string RelativePath(string seed, bool folderTree)
    {
        ArgumentNullException.ThrowIfNull(seed);
        if (!folderTree)
        {
            return seed;
        }

        var path = new StringBuilder(seed.Length * 3);
        for (var at = 0; at < seed.Length; at += FolderPieceLength)
        {
            path.Append(seed.AsSpan(at, Math.Min(FolderPieceLength, seed.Length - at))).Append('/');
        }

        return path.Append(seed).ToString();
    }

    /// <summary>
    /// Whether dataserv-client tells the hub its height right after building shard
    /// <paramref name="height"/>: the first shard, every <paramref name="interval"/>-th, and the last.
    /// </summary>
    public static bool IsReportedHeight(long height, long targetHeight, int interval = DefaultReportInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, 1);
        return height == 1 || height % interval == 0 || height == targetHeight;
    }

    /// <summary>One shard's answer to an audit challenge: <c>hex(sample(shard, 1024, 3, challenge))</c>.</summary>
    public static string AuditShard(Stream shard, ReadOnlySpan<byte> challenge) =>
        Convert.ToHexStringLower(PartialHash.Sample(shard, AuditPieceSize, AuditPieces, challenge));

    /// <summary>The whole answer over the first shards: <c>hex(SHA256(concatenation of their answers))</c>.</summary>
    public static string FullAudit(IEnumerable<string> shardAnswers)
    {
        ArgumentNullException.ThrowIfNull(shardAnswers);
        return HexHash(string.Concat(shardAnswers));
    }

    private static string HexHash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
