using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Granary.Client.Farming;
using Granary.Core.Formats;
using Granary.Core.Proofs;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench farm</c>: <c>farm build</c> of SIZE beside writing the same bytes, in the same
/// shards, from a buffer already in memory (the baseline: what the disk and page cache allow), each
/// measured to the last write and to the last fsync; and how many heartbeat proofs a node verifies
/// per second on one core, for node-sized (32 MiB, 256-leaf) chunks.
/// </summary>
internal static class FarmBenchCommand
{
    // Any valid address: the seeds only have to differ from shard to shard.
    private const string Address = "12guBkWfVjiqBnu5yRdTseBB7wBM5WSWnm";

    private const int Rounds = 3;

    private const double VerificationGoal = 5_000;

    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "Bytes to build, in whole 128 MiB shards.", DefaultValueFactory = _ => "1GiB", HelpName = "BYTES" };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Where the shards go (default: the temporary directory); removed afterwards.", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("farm", "farm build against writing the same bytes from memory, and the heartbeat verification rate.") { size, dir, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            if (!ByteSize.TryParse(context.Parse.GetValue(size)!, out var bytes, out var error) || HeightShards.TargetHeight(bytes) == 0)
            {
                throw new UsageException($"--size must hold at least one 128 MiB shard{(string.IsNullOrEmpty(error) ? "" : $" ({error})")}");
            }

            bytes = HeightShards.TargetHeight(bytes) * HeightShards.ShardSize;
            var root = Path.Combine(context.Parse.GetValue(dir)?.FullName ?? Path.GetTempPath(), $"granary-bench-farm-{Guid.NewGuid():N}");
            Directory.CreateDirectory(root);
            try
            {
                var result = await MeasureAsync(root, bytes, context.Error, cancellationToken);
                await context.Output.WriteLineAsync(context.Parse.GetValue(json) ? JsonSerializer.Serialize(result, BenchJson.Options) : Describe(result));
                return GranaryCli.Success;
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        });
        return command;
    }

    internal sealed record FarmResult(
        long Bytes,
        string Aes,
        double GenerateMBps,
        double BaselineWriteMBps,
        double BuildWriteMBps,
        double WriteRatio,
        double BaselineDurableMBps,
        double BuildDurableMBps,
        double DurableRatio,
        double TagSeconds,
        double ProofsPerSecond,
        double VerificationsPerSecond,
        double VerificationGoalRatio);

    private static async Task<FarmResult> MeasureAsync(string root, long bytes, TextWriter log, CancellationToken cancellationToken)
    {
        var shards = (int)(bytes / HeightShards.ShardSize);
        var buffer = new byte[RandomIo.WritePiece];
        Random.Shared.NextBytes(buffer);
        using var generator = new RandomIo(Address);

        await log.WriteLineAsync("warming up...");
        var generate = Measure(() =>
        {
            for (long done = 0; done < HeightShards.ShardSize; done += buffer.Length)
            {
                generator.Read(done, buffer);
            }
        });
        Random.Shared.NextBytes(buffer);

        // Alternate the two, best of each, and leave no dirty pages behind for the next run to pay for.
        (double Write, double Durable) baseline = (double.MaxValue, double.MaxValue), build = (double.MaxValue, double.MaxValue);
        for (var round = 0; round < Rounds; round++)
        {
            await log.WriteLineAsync($"round {round + 1} of {Rounds}: writing {ByteSize.Format(bytes)} from memory, then building it...");
            var folder = Path.Combine(root, "baseline");
            var times = await TimeAsync(folder, () => WriteFromMemoryAsync(folder, shards, buffer, cancellationToken));
            baseline = (Math.Min(baseline.Write, times.Write), Math.Min(baseline.Durable, times.Durable));

            folder = Path.Combine(root, "build");
            times = await TimeAsync(folder, () => new HeightStore(folder, Address).BuildAsync(bytes, rebuild: true, cancellationToken: cancellationToken));
            build = (Math.Min(build.Write, times.Write), Math.Min(build.Durable, times.Durable));
        }

        await log.WriteLineAsync("heartbeat: encoding a 32 MiB chunk, then proving and verifying its 256 challenges...");
        var (tagSeconds, proofsPerSecond, verificationsPerSecond) = Heartbeats();
        return new FarmResult(
            bytes,
            generator.Implementation,
            HeightShards.ShardSize / generate / 1e6,
            bytes / baseline.Write / 1e6,
            bytes / build.Write / 1e6,
            baseline.Write / build.Write,
            bytes / baseline.Durable / 1e6,
            bytes / build.Durable / 1e6,
            baseline.Durable / build.Durable,
            tagSeconds,
            proofsPerSecond,
            verificationsPerSecond,
            verificationsPerSecond / VerificationGoal);
    }

    // Seconds until the last write returned and until every file was fsynced; the files are then removed.
    private static async Task<(double Write, double Durable)> TimeAsync(string folder, Func<Task> write)
    {
        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        await write();
        var written = clock.Elapsed.TotalSeconds;
        foreach (var path in Directory.GetFiles(folder))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            file.Flush(flushToDisk: true);
        }

        var durable = clock.Elapsed.TotalSeconds;
        Directory.Delete(folder, recursive: true);
        return (written, durable);
    }

    private static async Task WriteFromMemoryAsync(string folder, int shards, byte[] buffer, CancellationToken cancellationToken)
    {
        for (var shard = 0; shard < shards; shard++)
        {
            var file = new FileStream(Path.Combine(folder, shard.ToString(CultureInfo.InvariantCulture)), FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (file.ConfigureAwait(false))
            {
                for (long done = 0; done < HeightShards.ShardSize; done += buffer.Length)
                {
                    await file.WriteAsync(buffer, cancellationToken);
                }
            }
        }
    }

    private static (double TagSeconds, double ProofsPerSecond, double VerificationsPerSecond) Heartbeats()
    {
        const int chunkBytes = 32 << 20;
        var chunk = new byte[chunkBytes];
        using (var random = new RandomIo("0123456789abcdef0123456789abcdef"))
        {
            random.Read(0, chunk);
        }

        using var file = new MemoryStream(chunk, writable: false);
        var heartbeat = MerkleHeartbeat.CreateForNode();
        var encoding = Stopwatch.StartNew();
        var (tag, state) = heartbeat.Encode(file, MerkleHeartbeat.NodeChallengeCount, new byte[32], 0.0);
        var tagSeconds = encoding.Elapsed.TotalSeconds;

        var challenges = new (MerkleChallenge Challenge, MerkleState State)[MerkleHeartbeat.NodeChallengeCount];
        for (var i = 0; i < challenges.Length; i++)
        {
            challenges[i] = heartbeat.NextChallenge(state);
            state = challenges[i].State;
        }

        var proofs = new MerkleProof[challenges.Length];
        var proving = Measure(() =>
        {
            for (var i = 0; i < proofs.Length; i++)
            {
                proofs[i] = MerkleHeartbeat.Prove(file, challenges[i].Challenge, tag);
            }
        });

        // Warm, then about two seconds of verifications, every one of which must pass.
        var verified = 0;
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 2000 || verified < 1000)
        {
            var i = verified % proofs.Length;
            if (!heartbeat.Verify(proofs[i], challenges[i].Challenge, challenges[i].State))
            {
                throw new InvalidOperationException($"an honest proof failed verification (challenge {i}): the benchmark measured a broken build");
            }

            verified++;
        }

        return (tagSeconds, proofs.Length / proving, verified / clock.Elapsed.TotalSeconds);
    }

    private static double Measure(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static string Describe(FarmResult r) => string.Create(CultureInfo.InvariantCulture, $"""
        farm build of {ByteSize.Format(r.Bytes)} ({r.Bytes / HeightShards.ShardSize} shards of 128 MiB), AES {r.Aes}; best of {Rounds} rounds each
        RandomIO generation alone, one core          {r.GenerateMBps,8:N0} MB/s
        to the last write (page cache)
          baseline: the same bytes from memory       {r.BaselineWriteMBps,8:N0} MB/s
          farm build                                 {r.BuildWriteMBps,8:N0} MB/s  ({r.WriteRatio:0.00}x the baseline; goal 0.8x)
        to the last fsync (on disk)
          baseline: the same bytes from memory       {r.BaselineDurableMBps,8:N0} MB/s
          farm build                                 {r.BuildDurableMBps,8:N0} MB/s  ({r.DurableRatio:0.00}x the baseline; goal 0.8x)
        heartbeat, 32 MiB chunk, 256 challenges, one core
          tag and state (node, once per chunk)       {r.TagSeconds,8:0.000} s
          proofs (farmer)                            {r.ProofsPerSecond,8:N0} /s
          verifications (node)                       {r.VerificationsPerSecond,8:N0} /s  ({r.VerificationGoalRatio:0.0}x the 5,000/s goal)
        """);
}
