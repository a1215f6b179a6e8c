using Granary.Core.Erasure;

namespace Granary.Core.Tests.Erasure;

/// <summary>
/// Every erasure pattern decodes exactly, on every kernel this CPU runs: exhaustively (every ordered
/// choice of k shares) for n ≤ 6, sampled above. scripts/test.sh reruns these with GFNI, AVX-512 and
/// AVX2 switched off, so each instruction-set path runs here as the machine's best one too.
/// </summary>
public class ErasurePatternTests
{
    // Three whole 64-byte vectors and a 17-byte tail: every kernel's vector loop and its scalar tail.
    private const int BlockLength = 3 * 64 + 17;

    // Blocks sit apart, with gaps that a decode must leave alone.
    private const int BlockStride = BlockLength + 75;
    private const int DataStride = BlockLength + 43;
    private const byte Untouched = 0xA5;

    public static TheoryData<string> KernelNames()
    {
        var data = new TheoryData<string>();
        foreach (var kernel in GfKernel.Available())
        {
            data.Add(kernel.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Every_ordered_choice_of_k_shares_decodes_exactly_for_n_up_to_six(string kernel)
    {
        var decodes = 0;
        for (var n = 1; n <= 6; n++)
        {
            for (var k = 1; k <= n; k++)
            {
                var shape = new EncodedShape(k, n, Kernel(kernel), seed: k * 10 + n);
                foreach (var subset in Subsets(n, k))
                {
                    foreach (var shares in Orders(subset))
                    {
                        shape.AssertDecodes(shares, $"{kernel} {k}-of-{n}");
                        decodes++;
                    }
                }
            }
        }

        Assert.Equal(2_365, decodes); // Σ over n ≤ 6 and k ≤ n of n!/(n − k)!
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Sampled_erasure_patterns_decode_exactly_for_larger_shapes(string kernel)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        foreach (var (k, n) in new[] { (3, 10), (6, 9), (10, 14), (13, 16), (29, 80), (101, 256) })
        {
            var shape = new EncodedShape(k, n, Kernel(kernel), seed: k * 1000 + n);

            // Every parity share used (the most data shares lost), then random ordered choices.
            var lost = Math.Min(k, n - k);
            shape.AssertDecodes([.. Enumerable.Range(k, lost), .. Enumerable.Range(lost, k - lost)], $"{kernel} {k}-of-{n}");
            for (var trial = 0; trial < 40; trial++)
            {
                var shares = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(k).ToArray();
                shape.AssertDecodes(shares, $"{kernel} {k}-of-{n}, seed {seed}");
            }
        }
    }

    [Fact]
    public void Concurrent_decodes_of_more_patterns_than_the_plan_cache_holds_are_all_exact()
    {
        var seed = Environment.TickCount;
        var shape = new EncodedShape(10, 14, GfKernel.Best, seed: 14);
        var patterns = Enumerable.Range(0, 4 * DecodePlanCache.Capacity)
            .Select(i =>
            {
                var random = new Random(seed + i);
                return Enumerable.Range(0, 14).OrderBy(_ => random.Next()).Take(10).ToArray();
            })
            .ToArray();

        // Four threads walk the patterns from different starting points, three times over, so plans
        // are made, found, replaced and made again while other threads use them.
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            for (var i = 0; i < 3 * patterns.Length; i++)
            {
                shape.AssertDecodes(patterns[(i + thread * 37) % patterns.Length], $"seed {seed}");
            }
        });
    }

    [Fact]
    public void The_plan_cache_holds_at_most_its_capacity_and_keeps_the_latest_plans()
    {
        var cache = new DecodePlanCache();
        var plans = Enumerable.Range(0, 1000)
            .Select(i => new DecodePlan([i, 1000 + i, 2000 + i], [], ScalarGfKernel.Instance.Prepare([], 0, 3)))
            .ToArray();
        foreach (var plan in plans)
        {
            cache.Add(plan);
        }

        Assert.InRange(plans.Count(p => cache.Find(p.ShareNumbers) is not null), DecodePlanCache.Ways, DecodePlanCache.Capacity);
        foreach (var plan in plans[^DecodePlanCache.Ways..])
        {
            Assert.Same(plan, cache.Find(plan.ShareNumbers));
        }
    }

    private static GfKernel Kernel(string name) => GfKernel.Available().Single(k => k.Name == name);

    /// <summary>Every choice of <paramref name="k"/> of the shares 0 … n-1, each in ascending order.</summary>
    internal static IEnumerable<int[]> Subsets(int n, int k)
    {
        if (k == 0)
        {
            yield return [];
            yield break;
        }

        for (var first = 0; first <= n - k; first++)
        {
            foreach (var rest in Subsets(n - first - 1, k - 1))
            {
                yield return [first, .. rest.Select(r => r + first + 1)];
            }
        }
    }

    private static IEnumerable<int[]> Orders(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }

        for (var i = 0; i < items.Length; i++)
        {
            foreach (var rest in Orders([.. items[..i], .. items[(i + 1)..]]))
            {
                yield return [items[i], .. rest];
            }
        }
    }

    /// <summary>k random data blocks of one shape and all n shares encoded from them by the scalar reference.</summary>
    private sealed class EncodedShape
    {
        private readonly ReedSolomonCodec _codec;
        private readonly byte[] _shares;

        public EncodedShape(int k, int n, GfKernel kernel, int seed)
        {
            _codec = new ReedSolomonCodec(k, n, kernel);
            _shares = new byte[n * BlockLength];
            new Random(seed).NextBytes(_shares.AsSpan(0, k * BlockLength));
            new ReedSolomonCodec(k, n, ScalarGfKernel.Instance).Encode(_shares.AsSpan(0, k * BlockLength), _shares.AsSpan(k * BlockLength), BlockLength);
        }

        /// <summary>
        /// Decodes from <paramref name="shares"/> (blocks at a stride, with gaps) both ways: rebuilding
        /// only the missing data blocks must write exactly those and nothing between or beside them;
        /// a full decode must give every data block.
        /// </summary>
        public void AssertDecodes(int[] shares, string context)
        {
            var k = _codec.K;
            var blocks = new byte[k * BlockStride];
            blocks.AsSpan().Fill(Untouched);
            for (var i = 0; i < k; i++)
            {
                Share(shares[i]).CopyTo(blocks.AsSpan(i * BlockStride));
            }

            var data = new byte[k * DataStride];
            data.AsSpan().Fill(Untouched);
            _codec.ReconstructMissing(shares, blocks, BlockStride, data, DataStride, BlockLength);
            var missing = _codec.MissingDataBlocks(shares).ToArray();
            for (var d = 0; d < k; d++)
            {
                var block = data.AsSpan(d * DataStride, BlockLength);
                if (missing.Contains(d))
                {
                    Assert.True(block.SequenceEqual(Share(d)), $"{context}: shares [{string.Join(",", shares)}] rebuilt data block {d} wrongly");
                }
                else
                {
                    Assert.True(block.IndexOfAnyExcept(Untouched) < 0, $"{context}: shares [{string.Join(",", shares)}] wrote over surviving data block {d}");
                }

                var gap = data.AsSpan(d * DataStride + BlockLength, DataStride - BlockLength);
                Assert.True(gap.IndexOfAnyExcept(Untouched) < 0, $"{context}: shares [{string.Join(",", shares)}] wrote past data block {d}");
            }

            var whole = new byte[k * BlockLength];
            _codec.Decode(shares, blocks, BlockStride, whole, BlockLength, BlockLength);
            Assert.True(whole.AsSpan().SequenceEqual(_shares.AsSpan(0, k * BlockLength)), $"{context}: decoding from shares [{string.Join(",", shares)}] failed");
        }

        private ReadOnlySpan<byte> Share(int share) => _shares.AsSpan(share * BlockLength, BlockLength);
    }
}
