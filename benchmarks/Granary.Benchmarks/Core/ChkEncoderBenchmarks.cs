using BenchmarkDotNet.Attributes;
using Granary.Core.Chk;

namespace Granary.Benchmarks.Core;

/// <summary>The whole per-segment CHK step (encrypt, hash, erasure-code, hash blocks) for 1 MiB segments, 3-of-10.</summary>
[MemoryDiagnoser]
public class ChkEncoderBenchmarks
{
    private const int Segments = 16;
    private ChkParameters _parameters = null!;
    private byte[] _plaintext = null!;
    private byte[] _blocks = null!;

    [GlobalSetup]
    public void Setup()
    {
        _parameters = ChkParameters.Create(Segments * (long)EncodingParameters.DefaultMaxSegmentSize, EncodingParameters.Default);
        _plaintext = new byte[_parameters.SegmentSize];
        new Random(2).NextBytes(_plaintext);
        _blocks = new byte[_parameters.BlockSize * _parameters.N];
    }

    /// <summary>Sixteen segments (about 16 MiB of file) through a fresh encoder.</summary>
    [Benchmark]
    public ChkEncoding EncodeSixteenSegments()
    {
        using var encoder = new ChkEncoder(_parameters, new byte[16]);
        for (var segment = 0; segment < Segments; segment++)
        {
            encoder.EncodeSegment(_plaintext.AsSpan(0, _parameters.SegmentLengthOf(segment)), _blocks);
        }

        return encoder.Finish();
    }
}
