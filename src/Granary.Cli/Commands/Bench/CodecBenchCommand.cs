using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Granary.Core.Erasure;
using Granary.Core.Formats;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench codec</c>: Reed-Solomon encode and worst-case decode throughput, in MB/s
/// (10^6 bytes) of file data, on 64-byte aligned shards that are reused from pass to pass (as
/// ISA-L's and zfec's own benchmarks do), so the figure is the kernel's and not the memory bus's.
/// Decode reconstructs the missing data blocks, as the CHK decoder does; surviving data blocks are
/// read where they arrived, not copied.
/// </summary>
internal static class CodecBenchCommand
{
    public static Command Create()
    {
        var k = new Option<int>("-k") { Description = "Data shares.", DefaultValueFactory = _ => 3 };
        var n = new Option<int>("-n") { Description = "Total shares.", DefaultValueFactory = _ => 10 };
        var shardSize = new Option<string?>("--shard-size")
        {
            Description = "Bytes per shard (block); default: a 1 MiB segment split k ways.",
            HelpName = "BYTES",
        };
        var total = new Option<string>("--total") { Description = "File data to push through each of encode and decode.", DefaultValueFactory = _ => "4GiB", HelpName = "BYTES" };
        var threads = new Option<int>("--threads") { Description = "Threads encoding at once, each on its own shards.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("codec", "Reed-Solomon encode and worst-case decode throughput.") { k, n, shardSize, total, threads, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var (dataShares, totalShares, threadCount) = (parse.GetValue(k), parse.GetValue(n), parse.GetValue(threads));
            if (dataShares < 1 || totalShares > 256 || dataShares >= totalShares)
            {
                throw new UsageException($"need 1 <= k < n <= 256; got k={dataShares}, n={totalShares}");
            }

            if (threadCount < 1 || threadCount > 256)
            {
                throw new UsageException($"--threads must be between 1 and 256; got {threadCount}");
            }

            var shard = parse.GetValue(shardSize) is { } text ? Size("--shard-size", text) : (1 << 20) / dataShares;
            var bytes = Size("--total", parse.GetValue(total)!);
            if (shard < 1 || shard > 1 << 30)
            {
                throw new UsageException("--shard-size must be between 1 byte and 1 GiB");
            }

            var result = await Task.Run(() => Measure(dataShares, totalShares, (int)shard, bytes, threadCount, cancellationToken), cancellationToken);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(result, BenchJson.Options));
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"""
                    Reed-Solomon {result.K}-of-{result.N}, shards of {result.ShardSize:N0} bytes, kernel {result.Kernel}, {result.Threads} thread(s)
                    encode  {result.EncodeMBps,10:N0} MB/s of file data
                    decode  {result.DecodeMBps,10:N0} MB/s of file data ({result.MissingDataShares} of {result.K} data shares missing: the worst case)
                    decode/encode time ratio {result.EncodeMBps / result.DecodeMBps:0.00}
                    """));
            }

            return GranaryCli.Success;
        });
        return command;
    }

    internal sealed record CodecResult(
        int K, int N, int ShardSize, string Kernel, int Threads, double EncodeMBps, double DecodeMBps, int MissingDataShares);

    private static CodecResult Measure(int k, int n, int shard, long total, int threads, CancellationToken cancellationToken)
    {
        var codec = ReedSolomonCodec.Get(k, n);
        var stride = (shard + 63) / 64 * 64;
        var passes = Math.Max(1, total / ((long)k * shard * threads));

        // Worst case: decode from as many parity shares as there are, the rest from the highest data shares.
        var parityUsed = Math.Min(k, n - k);
        var shares = Enumerable.Range(k, parityUsed).Concat(Enumerable.Range(parityUsed, k - parityUsed)).ToArray();

        var workers = Enumerable.Range(0, threads).Select(_ => new Stripe(k, n, stride, shard, codec, shares)).ToArray();
        try
        {
            // Warm up for a while, not a pass: page faults, decode plans and the JIT's tiering settle.
            var warm = Stopwatch.StartNew();
            while (warm.ElapsedMilliseconds < 300)
            {
                foreach (var worker in workers)
                {
                    worker.Encode();
                    worker.Decode();
                }
            }

            var encode = Time(workers, passes, w => w.Encode(), cancellationToken);
            var decode = Time(workers, passes, w => w.Decode(), cancellationToken);
            var fileBytes = (double)passes * k * shard * threads;
            return new CodecResult(k, n, shard, codec.KernelName, threads, fileBytes / encode / 1e6, fileBytes / decode / 1e6, parityUsed);
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    private static double Time(Stripe[] workers, long passes, Action<Stripe> work, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(workers, new ParallelOptions { MaxDegreeOfParallelism = workers.Length, CancellationToken = cancellationToken }, worker =>
        {
            for (long pass = 0; pass < passes; pass++)
            {
                work(worker);
            }
        });
        return clock.Elapsed.TotalSeconds;
    }

    private static long Size(string option, string text) =>
        ByteSize.TryParse(text, out var bytes, out var error) ? bytes : throw new UsageException($"{option}: {error}");

    /// <summary>
    /// One thread's shards, 64-byte aligned: k data and n − k parity in one allocation, the k shares
    /// chosen for decoding in a second, the k decoded blocks in a third (as separate buffers, like
    /// ISA-L's harness, so no layout makes one side's loads alias the other's stores).
    /// </summary>
    private sealed unsafe class Stripe : IDisposable
    {
        private readonly int _k;
        private readonly int _n;
        private readonly int _stride;
        private readonly int _shard;
        private readonly ReedSolomonCodec _codec;
        private readonly int[] _shares;
        private readonly byte* _encoded;
        private readonly byte* _chosen;
        private readonly byte* _decoded;

        public Stripe(int k, int n, int stride, int shard, ReedSolomonCodec codec, int[] shares)
        {
            (_k, _n, _stride, _shard, _codec, _shares) = (k, n, stride, shard, codec, shares);
            _encoded = (byte*)NativeMemory.AlignedAlloc((nuint)((long)n * stride), 64);
            _chosen = (byte*)NativeMemory.AlignedAlloc((nuint)((long)k * stride), 64);
            _decoded = (byte*)NativeMemory.AlignedAlloc((nuint)((long)k * stride), 64);
            Random.Shared.NextBytes(new Span<byte>(_encoded, k * stride));
            Encode();
            for (var i = 0; i < k; i++)
            {
                new Span<byte>(_encoded + (long)shares[i] * stride, shard).CopyTo(new Span<byte>(_chosen + (long)i * stride, shard));
            }
        }

        public void Encode() => _codec.Encode(
            new ReadOnlySpan<byte>(_encoded, _k * _stride), _stride, new Span<byte>(_encoded + (long)_k * _stride, (_n - _k) * _stride), _stride, _shard);

        public void Decode() => _codec.ReconstructMissing(
            _shares, new ReadOnlySpan<byte>(_chosen, _k * _stride), _stride, new Span<byte>(_decoded, _k * _stride), _stride, _shard);

        public void Dispose()
        {
            NativeMemory.AlignedFree(_encoded);
            NativeMemory.AlignedFree(_chosen);
            NativeMemory.AlignedFree(_decoded);
        }
    }
}
