using BenchmarkDotNet.Attributes;
using Granary.Core.Chk;

namespace Granary.Benchmarks.Core;

/// <summary>
/// The CHK encoder's steady state: one batch of 1 MiB segments (3-of-10) through a worker — AES
/// in place, Reed-Solomon, every segment and block hash — which must allocate nothing.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public unsafe class ChkEncoderBenchmarks
{
    private ChkEncoder _encoder = null!;
    private SegmentWorker _worker = null!;
    private byte[] _batch = null!;
    private int _segments;

    [GlobalSetup]
    public void Setup()
    {
        var parameters = ChkParameters.Create(64L << 20, EncodingParameters.Default);
        _encoder = new ChkEncoder(parameters, new byte[16]);
        _worker = new SegmentWorker(_encoder);
        _segments = ChkPipeline.SegmentsPerBatch(parameters);
        _batch = GC.AllocateArray<byte>(_segments * _encoder.EncodedSegmentSize, pinned: true);
        new Random(2).NextBytes(_batch);
    }

    /// <summary>One batch (the pipeline's unit of work); divide by the batch's segment count for per-segment figures.</summary>
    [Benchmark]
    public void EncodeOneBatch()
    {
        fixed (byte* batch = _batch)
        {
            _encoder.EncodeBatch(_worker, 0, _segments, batch);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _worker.Dispose();
        _encoder.Dispose();
    }
}

/// <summary>
/// Whole files through the threaded pipeline from memory: allocations grow with the file only by
/// its hash trees (the output), not by anything per segment.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class ChkPipelineBenchmarks
{
    private byte[] _file = null!;

    [Params(64, 256)]
    public int Segments { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _file = new byte[Segments << 20];
        new Random(3).NextBytes(_file);
    }

    [Benchmark]
    public async Task<ImmutableFileEncoding> EncodeFile()
    {
        using var input = new MemoryStream(_file);
        return await ImmutableFileEncoder.EncodeAsync(input, new byte[32], EncodingParameters.Default);
    }
}
