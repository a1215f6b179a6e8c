using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Json;
using Granary.Core.Erasure;
using Granary.Core.Formats;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench codec</c>: Reed-Solomon encode and decode throughput, in MB/s (10^6 bytes) of
/// file data, on 64-byte aligned shards that are reused from pass to pass (as ISA-L's and zfec's own
/// benchmarks do), so they are read from the caches, not from memory. Decode reconstructs the
/// missing data blocks, as the CHK decoder does (surviving data blocks are read where they arrived,
/// not copied), for the best erasure pattern and for every layout of the worst (see
/// <see cref="ErasurePattern"/>); the slowest layout is the worst case reported. Beside the best
/// decode runs its XOR ceiling: a stripe of the default shape outgrows a 1 MiB L2 cache and comes
/// from L3, where rebuilding one block costs what moving its bytes costs.
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
        var total = new Option<string>("--total") { Description = "File data to push through encode and through each decode pattern.", DefaultValueFactory = _ => "4GiB", HelpName = "BYTES" };
        var threads = new Option<int>("--threads") { Description = "Threads encoding at once, each on its own shards.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("codec", "Reed-Solomon encode, best-case and worst-case decode throughput.") { k, n, shardSize, total, threads, json };
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
                await context.Output.WriteLineAsync(Describe(result));
            }

            return GranaryCli.Success;
        });
        return command;
    }

    /// <summary>One erasure pattern's decode throughput.</summary>
    internal sealed record DecodeResult(string Pattern, int[] LostDataShares, double ThroughputMBps);

    /// <summary>
    /// The figures and the ratios they are judged by: each decode's time over encode's
    /// (<c>decode/encode</c>; ISA-L's ratios come from bench/compare-codecs.sh, which runs both), and
    /// the best decode over the XOR ceiling: the same k blocks XORed into one, the loads and stores of
    /// rebuilding one lost block with no multiply, so near 1 the memory, not the arithmetic, is the limit.
    /// </summary>
    internal sealed record CodecResult(
        int K,
        int N,
        int ShardSize,
        string Kernel,
        int Threads,
        double EncodeMBps,
        DecodeResult DecodeBest,
        DecodeResult DecodeWorst,
        double XorCeilingMBps,
        double BestDecodeOverXorCeiling,
        double BestDecodeOverEncodeTime,
        double WorstDecodeOverEncodeTime,
        IReadOnlyList<DecodeResult> WorstLayouts);

    private static string Describe(CodecResult result)
    {
        var layouts = string.Join("  ", result.WorstLayouts.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Pattern} [{string.Join(" ", d.LostDataShares)}] {d.ThroughputMBps:N0}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"""
            Reed-Solomon {result.K}-of-{result.N}, shards of {result.ShardSize:N0} bytes, kernel {result.Kernel}, {result.Threads} thread(s)
            encode          {result.EncodeMBps,10:N0} MB/s of file data
            decode, best    {result.DecodeBest.ThroughputMBps,10:N0} MB/s  (data share 0 lost; decode/encode time {result.BestDecodeOverEncodeTime:0.00}; {result.BestDecodeOverXorCeiling:0.00}x the XOR ceiling)
            XOR ceiling     {result.XorCeilingMBps,10:N0} MB/s  (the k shares XORed into one block: a one-block decode's memory traffic, no multiply)
            decode, worst   {result.DecodeWorst.ThroughputMBps,10:N0} MB/s  ({result.DecodeWorst.LostDataShares.Length} of {result.K} data shares lost, {result.DecodeWorst.Pattern}; decode/encode time {result.WorstDecodeOverEncodeTime:0.00})
            every worst-case layout (lost data shares, MB/s): {layouts}
            """);
    }

    private static CodecResult Measure(int k, int n, int shard, long total, int threads, CancellationToken cancellationToken)
    {
        var codec = ReedSolomonCodec.Get(k, n);
        var stride = (shard + 63) / 64 * 64;
        var passes = Math.Max(1, total / ((long)k * shard * threads));
        var workers = Enumerable.Range(0, threads).Select(_ => new Stripe(k, n, stride, shard, codec)).ToArray();
        try
        {
            // Warm up for a while, not a pass: page faults and the JIT settle.
            var warm = Stopwatch.StartNew();
            while (warm.ElapsedMilliseconds < 300)
            {
                foreach (var worker in workers)
                {
                    worker.Encode();
                }
            }

            var fileBytes = (double)passes * k * shard * threads;
            var encode = fileBytes / Time(workers, passes, w => w.Encode(), cancellationToken) / 1e6;
            DecodeResult Decode(ErasurePattern pattern)
            {
                foreach (var worker in workers)
                {
                    worker.Choose(pattern.Shares);
                    worker.Decode(); // makes and caches the pattern's decode plan
                    worker.RequireRebuilt(pattern.LostDataShares);
                }

                return new DecodeResult(pattern.Name, pattern.LostDataShares, fileBytes / Time(workers, passes, w => w.Decode(), cancellationToken) / 1e6);
            }

            var best = Decode(ErasurePattern.Best(k, n));
            var xorCeiling = fileBytes / Time(workers, passes, w => w.XorChosen(), cancellationToken) / 1e6;
            var layouts = ErasurePattern.Worst(k, n).Select(Decode).ToArray();
            var worst = layouts.MinBy(d => d.ThroughputMBps)!;
            return new CodecResult(
                k, n, shard, codec.KernelName, threads, encode, best, worst, xorCeiling, best.ThroughputMBps / xorCeiling, encode / best.ThroughputMBps, encode / worst.ThroughputMBps, layouts);
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
        private readonly byte* _encoded;
        private readonly byte* _chosen;
        private readonly byte* _decoded;
        private int[] _shares = [];

        public Stripe(int k, int n, int stride, int shard, ReedSolomonCodec codec)
        {
            (_k, _n, _stride, _shard, _codec) = (k, n, stride, shard, codec);
            _encoded = (byte*)NativeMemory.AlignedAlloc((nuint)((long)n * stride), 64);
            _chosen = (byte*)NativeMemory.AlignedAlloc((nuint)((long)k * stride), 64);
            _decoded = (byte*)NativeMemory.AlignedAlloc((nuint)((long)k * stride), 64);
            Random.Shared.NextBytes(new Span<byte>(_encoded, k * stride));
            Encode();
        }

        public void Encode() => _codec.Encode(
            new ReadOnlySpan<byte>(_encoded, _k * _stride), _stride, new Span<byte>(_encoded + (long)_k * _stride, (_n - _k) * _stride), _stride, _shard);

        /// <summary>Copies the blocks of <paramref name="shares"/>, in that order, to where <see cref="Decode"/> reads them.</summary>
        public void Choose(int[] shares)
        {
            _shares = shares;
            for (var i = 0; i < _k; i++)
            {
                new Span<byte>(_encoded + (long)shares[i] * _stride, _shard).CopyTo(new Span<byte>(_chosen + (long)i * _stride, _shard));
            }
        }

        public void Decode() => _codec.ReconstructMissing(
            _shares, new ReadOnlySpan<byte>(_chosen, _k * _stride), _stride, new Span<byte>(_decoded, _k * _stride), _stride, _shard);

        /// <summary>
        /// XORs the chosen blocks into the first decoded block: four vectors a step, two columns at a
        /// time, so no chain of dependent XORs (rather than the loads and stores) sets the pace.
        /// </summary>
        public void XorChosen()
        {
            var at = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; at + 256 <= _shard; at += 256)
                {
                    var source = _chosen + at;
                    var (a, b, c, d) = (Vector512.LoadAligned(source), Vector512.LoadAligned(source + 64), Vector512.LoadAligned(source + 128), Vector512.LoadAligned(source + 192));
                    var column = 1;
                    for (; column + 1 < _k; column += 2)
                    {
                        var x = _chosen + (long)column * _stride + at;
                        var y = x + _stride;
                        a ^= Vector512.LoadAligned(x) ^ Vector512.LoadAligned(y);
                        b ^= Vector512.LoadAligned(x + 64) ^ Vector512.LoadAligned(y + 64);
                        c ^= Vector512.LoadAligned(x + 128) ^ Vector512.LoadAligned(y + 128);
                        d ^= Vector512.LoadAligned(x + 192) ^ Vector512.LoadAligned(y + 192);
                    }

                    if (column < _k)
                    {
                        var x = _chosen + (long)column * _stride + at;
                        (a, b, c, d) = (a ^ Vector512.LoadAligned(x), b ^ Vector512.LoadAligned(x + 64), c ^ Vector512.LoadAligned(x + 128), d ^ Vector512.LoadAligned(x + 192));
                    }

                    a.StoreAligned(_decoded + at);
                    b.StoreAligned(_decoded + at + 64);
                    c.StoreAligned(_decoded + at + 128);
                    d.StoreAligned(_decoded + at + 192);
                }
            }

            for (; at + 32 <= _shard; at += 32)
            {
                var a = Vector256.LoadAligned(_chosen + at);
                for (var c = 1; c < _k; c++)
                {
                    a ^= Vector256.LoadAligned(_chosen + (long)c * _stride + at);
                }

                a.StoreAligned(_decoded + at);
            }

            for (; at < _shard; at++)
            {
                var x = _chosen[at];
                for (var c = 1; c < _k; c++)
                {
                    x ^= _chosen[(long)c * _stride + at];
                }

                _decoded[at] = x;
            }
        }

        /// <summary>Throws unless the last decode rebuilt every lost data block exactly: a fast wrong answer is no figure.</summary>
        public void RequireRebuilt(int[] lostDataShares)
        {
            foreach (var d in lostDataShares)
            {
                if (!new Span<byte>(_decoded + (long)d * _stride, _shard).SequenceEqual(new Span<byte>(_encoded + (long)d * _stride, _shard)))
                {
                    throw new InvalidOperationException($"Decoding from shares [{string.Join(", ", _shares)}] did not rebuild data share {d}.");
                }
            }
        }

        public void Dispose()
        {
            NativeMemory.AlignedFree(_encoded);
            NativeMemory.AlignedFree(_chosen);
            NativeMemory.AlignedFree(_decoded);
        }
    }
}
