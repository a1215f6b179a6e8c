using Granary.Core.Hashing;

namespace Granary.Core.Tests.Hashing;

public unsafe class TaggedHashBatchTests
{
    public static TheoryData<bool> Modes() => TaggedHashBatch.UsesLanes ? [false, true] : [false];

    [Theory]
    [MemberData(nameof(Modes))]
    public void Every_length_around_block_boundaries_matches_one_at_a_time_hashing(bool lanes)
    {
        // Lengths where prefix + data + padding cross 64-byte boundaries in every way.
        var lengths = Enumerable.Range(0, 200).Concat([1000, 4096, 4097, 100_003]).ToArray();
        AssertMatches(lanes, lengths, [HashTag.Block, HashTag.CrypttextSegment, HashTag.UriExtension], seed: 1);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Many_jobs_of_mixed_lengths_keep_their_own_results(bool lanes)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var lengths = Enumerable.Range(0, 53).Select(_ => random.Next(0, 70_000)).ToArray();
        AssertMatches(lanes, lengths, [HashTag.Block, HashTag.Crypttext], seed);
    }

    [Fact]
    public void A_batch_is_reusable_after_running()
    {
        var batch = new TaggedHashBatch();
        for (var round = 0; round < 3; round++)
        {
            var data = new byte[1000 + round];
            new Random(round).NextBytes(data);
            var results = new byte[20 * 32];
            fixed (byte* d = data)
            fixed (byte* r = results)
            {
                for (var i = 0; i < 20; i++)
                {
                    batch.Add(HashTag.Block, d + i, data.Length - i, r + 32 * i);
                }

                batch.Run();
            }

            Assert.Equal(0, batch.Count);
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(HashTag.Block.Hash(data.AsSpan(i)), results.AsSpan(32 * i, 32).ToArray());
            }
        }
    }

    private static void AssertMatches(bool lanes, int[] lengths, HashTag[] tags, int seed)
    {
        var random = new Random(seed);
        var messages = lengths.Select(length =>
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }).ToArray();
        var results = new byte[lengths.Length * 32];
        var handles = messages.Select(m => System.Runtime.InteropServices.GCHandle.Alloc(m, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            var batch = new TaggedHashBatch();
            fixed (byte* r = results)
            {
                for (var i = 0; i < messages.Length; i++)
                {
                    batch.Add(tags[i % tags.Length], (byte*)handles[i].AddrOfPinnedObject(), messages[i].Length, r + 32 * i);
                }

                batch.Run(lanes);
            }
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Free();
            }
        }

        for (var i = 0; i < messages.Length; i++)
        {
            Assert.True(
                tags[i % tags.Length].Hash(messages[i]).AsSpan().SequenceEqual(results.AsSpan(32 * i, 32)),
                $"message {i} of {messages[i].Length} bytes (lanes: {lanes}, seed {seed})");
        }
    }
}
