using Granary.Core.Formats;
using Granary.Core.Proofs;

namespace Granary.Client.Farming;

/// <summary>
/// A folder of dataserv "height" shards as dataserv-client 2.1.4's <c>build</c> writes them
/// (proofs-of-storage §5): shard h is the RandomIO stream of the h-th seed of the payout address,
/// named by that seed, so a hub can audit a claimed height without any data changing hands.
/// </summary>
/// <remarks>
/// A build resumes as dataserv-client's does: it finds the last shard present (a binary search on
/// file existence, which assumes shards are built in order) and writes again from that one, which
/// a crash may have left short. Shards prove free space, not custody: anyone who knows the address
/// can regenerate them.
/// </remarks>
public sealed class HeightStore
{
    /// <param name="directory">The store (dataserv-client's <c>--store_path</c>); created by a build.</param>
    /// <param name="payoutAddress">The Bitcoin address the seeds chain from (dataserv-client uses the payout address).</param>
    /// <param name="folderTree">Nest each shard under folders of three seed characters (<c>--use_folder_tree</c>).</param>
    /// <param name="shardSize">Bytes per shard; only tests change it (dataserv-client's fixtures use 128 KiB).</param>
    public HeightStore(string directory, string payoutAddress, bool folderTree = false, long shardSize = HeightShards.ShardSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        if (!IsPayoutAddress(payoutAddress, out var error))
        {
            throw new ArgumentException(error, nameof(payoutAddress));
        }

        Directory = directory;
        PayoutAddress = payoutAddress!;
        FolderTree = folderTree;
        ShardSize = shardSize;
    }

    public string Directory { get; }

    /// <summary>Whether <paramref name="text"/> can seed shards: Base58Check, as dataserv-client's addresses are.</summary>
    public static bool IsPayoutAddress(string? text, out string error)
    {
        if (Base58.TryDecodeCheck(text ?? "", out _, out var reason))
        {
            error = "";
            return true;
        }

        error = $"'{text}' is not a Bitcoin address: {reason}";
        return false;
    }

    public string PayoutAddress { get; }

    public bool FolderTree { get; }

    public long ShardSize { get; }

    /// <summary>Where shard <paramref name="height"/> (1-based) lives.</summary>
    public string ShardPath(long height) => ShardPath(SeedOf(height));

    /// <summary>dataserv refuses heights of 200,000 and more (413), so no store needs more shards.</summary>
    public const long MaxHeight = 199_999;

    /// <summary>
    /// The highest shard present up to <paramref name="limit"/>, found as dataserv-client finds it (by
    /// existence, assuming shards were built in order); 0 for none. Doubling first, then a binary
    /// search, so a small store costs a few probes whatever the limit.
    /// </summary>
    public long LastShardPresent(long limit = MaxHeight)
    {
        var seeds = new SeedCache(PayoutAddress);
        long low = 0, probe = 1;
        while (probe <= limit && File.Exists(ShardPath(seeds.Of(probe))))
        {
            low = probe;
            probe *= 2;
        }

        var high = Math.Min(probe - 1, limit);
        while (low < high)
        {
            var middle = low + ((high - low + 1) / 2);
            if (File.Exists(ShardPath(seeds.Of(middle))))
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    /// <summary>
    /// Builds the store up to <c>maxSize / ShardSize</c> shards: from the last shard present (or all
    /// of them with <paramref name="rebuild"/>). Refuses before writing anything when the disk
    /// lacks the space. <paramref name="heightReached"/> runs where dataserv-client tells its hubs
    /// the height (shard 1, every 25th, the last), before the next shard is written.
    /// </summary>
    public async Task<HeightBuildResult> BuildAsync(
        long maxSize,
        bool rebuild = false,
        IProgress<HeightBuildProgress>? progress = null,
        Func<long, CancellationToken, Task>? heightReached = null,
        CancellationToken cancellationToken = default)
    {
        var target = HeightShards.TargetHeight(maxSize, ShardSize);
        System.IO.Directory.CreateDirectory(Directory);
        var first = rebuild ? 1 : Math.Max(1, LastShardPresent(target));
        EnsureSpace(target, first);

        var seeds = new SeedCache(PayoutAddress);
        var toWrite = Math.Max(0, target - first + 1) * ShardSize;
        long written = 0;
        var reported = new List<long>();
        for (var height = first; height <= target; height++)
        {
            var seed = seeds.Of(height);
            var path = ShardPath(seed);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var before = written;
            var shardProgress = progress is null ? null : new ShardProgress(done => progress.Report(new HeightBuildProgress(height, target, before + done, toWrite, null)));
            var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (file.ConfigureAwait(false))
            {
                using var stream = new RandomIo(seed);
                await stream.WriteAsync(file, ShardSize, shardProgress, cancellationToken).ConfigureAwait(false);
            }

            written += ShardSize;
            var report = HeightShards.IsReportedHeight(height, target) ? height : (long?)null;
            if (report is { } h)
            {
                reported.Add(h);
                if (heightReached is not null)
                {
                    await heightReached(h, cancellationToken).ConfigureAwait(false);
                }
            }

            progress?.Report(new HeightBuildProgress(height, target, written, toWrite, report));
        }

        return new HeightBuildResult(target, target >= first ? target - first + 1 : 0, written, reported);
    }

    /// <summary>
    /// Answers a dataserv audit over the first <paramref name="height"/> shards (Builder.audit): each
    /// shard's partial-hash sample under the challenge, and the hash of them all.
    /// </summary>
    /// <exception cref="FileNotFoundException">A shard is missing: the store cannot answer for that height.</exception>
    public HeightAudit Audit(ReadOnlySpan<byte> challenge, long height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        var seeds = new SeedCache(PayoutAddress);
        var answers = new string[height];
        for (long h = 1; h <= height; h++)
        {
            var seed = seeds.Of(h);
            if (!File.Exists(ShardPath(seed)))
            {
                throw new FileNotFoundException($"shard {h} of {height} ({seed}) is missing from {Directory}", ShardPath(seed));
            }

            answers[h - 1] = AnswerShard(challenge, h, seed);
        }

        return new HeightAudit(answers, HeightShards.FullAudit(answers));
    }

    /// <summary>
    /// One shard's answer to a challenge, <c>hex(sample(shard, 1024, 3, challenge))</c>: what a hub's
    /// height audit asks for the shards it picks.
    /// </summary>
    /// <exception cref="FileNotFoundException">The shard is missing.</exception>
    public string AnswerShard(ReadOnlySpan<byte> challenge, long height) => AnswerShard(challenge, height, SeedOf(height));

    private string AnswerShard(ReadOnlySpan<byte> challenge, long height, string seed)
    {
        var path = ShardPath(seed);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"shard {height} ({Path.GetFileName(path)}) is missing from {Directory}", path);
        }

        using var shard = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
        return HeightShards.AuditShard(shard, challenge);
    }

    private string ShardPath(string seed) => Path.Combine(Directory, HeightShards.RelativePath(seed, FolderTree));

    private string SeedOf(long height) => new SeedCache(PayoutAddress).Of(height);

    private void EnsureSpace(long target, long first)
    {
        var needed = Math.Max(0, target - first + 1) * ShardSize;
        var present = File.Exists(ShardPath(first)) ? new FileInfo(ShardPath(first)).Length : 0;
        var free = new DriveInfo(Path.GetFullPath(Directory)).AvailableFreeSpace;
        if (needed - present > free)
        {
            throw new IOException($"{Directory} has {ByteSize.Format(free)} free, and {target - first + 1} more shards need {ByteSize.Format(needed - present)}; lower --max-size or free some space");
        }
    }

    private sealed class ShardProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    // Seeds chain one from the next; walking heights in order costs one hash per step.
    private sealed class SeedCache(string address)
    {
        private long _height;
        private string _seed = "";

        public string Of(long height)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
            if (height < _height || _height == 0)
            {
                _height = 1;
                _seed = HeightShards.FirstSeed(address);
            }

            for (; _height < height; _height++)
            {
                _seed = HeightShards.NextSeed(_seed);
            }

            return _seed;
        }
    }
}

/// <summary>Where a build is: shard <see cref="Height"/> of <see cref="TargetHeight"/>, bytes written of those this build writes.</summary>
/// <param name="ReportedHeight">Set when shard <see cref="Height"/> is finished and dataserv-client would report the height to its hubs now.</param>
public sealed record HeightBuildProgress(long Height, long TargetHeight, long BytesWritten, long BytesToWrite, long? ReportedHeight);

/// <param name="Height">Shards the store now holds.</param>
/// <param name="ShardsWritten">Shards this build wrote (a resume rewrites the last one it found).</param>
/// <param name="ReportedHeights">The heights dataserv-client would have reported during this build.</param>
public sealed record HeightBuildResult(long Height, long ShardsWritten, long BytesWritten, IReadOnlyList<long> ReportedHeights);

/// <param name="ShardAnswers">Each shard's answer, shard 1 first (hex).</param>
/// <param name="FullAudit">The hash of all of them (hex): what a hub compares.</param>
public sealed record HeightAudit(IReadOnlyList<string> ShardAnswers, string FullAudit);
