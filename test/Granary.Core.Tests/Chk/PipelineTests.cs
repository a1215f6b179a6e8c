using Granary.Core.Chk;
using Granary.Testing;

namespace Granary.Core.Tests.Chk;

public class PipelineTests
{
    private static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public async Task Every_thread_count_gives_the_same_cap_and_blocks(int threads)
    {
        var plaintext = RandomBytes(3_000_000, 1);
        var parameters = new EncodingParameters(3, 10, 64 * 1024);
        var reference = await EncodedFile.CreateAsync(plaintext, parameters);
        var sink = new RecordingSink();
        using var input = new MemoryStream(plaintext);
        var result = await ImmutableFileEncoder.EncodeAsync(input, new byte[32], parameters, sink, threads: threads);
        Assert.Equal(reference.Cap, result.ReadCap);
        Assert.Equal(Enumerable.Range(0, result.Chk!.Parameters.SegmentCount), sink.Segments);
        Assert.Equal(reference.Decode([0, 1, 2]), plaintext);
    }

    [Fact]
    public async Task A_file_that_shrinks_between_passes_fails_with_a_clear_error()
    {
        using var input = new ShrinkingStream(RandomBytes(2_000_000, 2));
        var error = await Assert.ThrowsAsync<IOException>(() =>
            ImmutableFileEncoder.EncodeAsync(input, new byte[32], new EncodingParameters(3, 10, 64 * 1024)));
        Assert.Contains("became shorter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_sink_stops_the_encode_with_its_error()
    {
        using var input = new MemoryStream(RandomBytes(2_000_000, 3));
        var sink = new RecordingSink { FailAt = 5 };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ImmutableFileEncoder.EncodeAsync(input, new byte[32], new EncodingParameters(3, 10, 64 * 1024), sink));
        Assert.Equal("sink failed at segment 5", error.Message);
    }

    [Fact]
    public async Task Cancelling_stops_the_encode_promptly()
    {
        using var input = new MemoryStream(RandomBytes(8_000_000, 4));
        using var cancel = new CancellationTokenSource();
        var sink = new RecordingSink { OnSegment = s => { if (s == 3) { cancel.Cancel(); } } };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ImmutableFileEncoder.EncodeAsync(input, new byte[32], new EncodingParameters(3, 10, 64 * 1024), sink, cancellationToken: cancel.Token));
        Assert.True(sink.Segments.Count < 20, $"{sink.Segments.Count} segments were written after cancelling");
    }

    [Fact]
    public async Task A_non_seekable_stream_is_refused()
    {
        using var input = new NonSeekableStream();
        await Assert.ThrowsAsync<ArgumentException>(() => ImmutableFileEncoder.EncodeAsync(input, new byte[32], EncodingParameters.Default));
    }

    [Fact]
    public void Batches_are_sized_within_the_memory_ceiling()
    {
        foreach (var (k, n, segment) in new[] { (3, 10, 1 << 20), (10, 14, 1 << 20), (29, 80, 1 << 20), (1, 1, 1 << 20), (3, 10, 256 << 20) })
        {
            var chk = ChkParameters.Create(1L << 32, new EncodingParameters(k, n, segment));
            var perBatch = ChkPipeline.SegmentsPerBatch(chk);
            Assert.InRange(perBatch, 1, 16);
            Assert.True(perBatch == 1 || (long)perBatch * chk.BlockSize * n <= ChkPipeline.MaxBatchBytes, $"{k}-of-{n}: {perBatch} segments");
        }
    }

    private sealed class RecordingSink : IChkSegmentSink
    {
        public List<int> Segments { get; } = [];

        public int FailAt { get; init; } = -1;

        public Action<int>? OnSegment { get; init; }

        public ValueTask WriteSegmentAsync(int segment, ReadOnlyMemory<byte> shareBlocks, int blockSize, CancellationToken cancellationToken)
        {
            if (segment == FailAt)
            {
                throw new InvalidOperationException($"sink failed at segment {segment}");
            }

            Segments.Add(segment);
            OnSegment?.Invoke(segment);
            return ValueTask.CompletedTask;
        }
    }

    // Reports its full length, but the second pass finds it cut short.
    private sealed class ShrinkingStream(byte[] data) : MemoryStream(data)
    {
        private readonly long _originalLength = data.Length;

        public override long Length => _originalLength;

        public override long Position
        {
            get => base.Position;
            set
            {
                if (value == 0 && base.Position > 0)
                {
                    SetLength(_originalLength / 2);
                }

                base.Position = value;
            }
        }
    }

    private sealed class NonSeekableStream : MemoryStream
    {
        public override bool CanSeek => false;
    }
}
