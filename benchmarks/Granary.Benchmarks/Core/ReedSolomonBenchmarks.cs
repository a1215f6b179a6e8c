using BenchmarkDotNet.Attributes;
using Granary.Core.Erasure;

namespace Granary.Benchmarks.Core;

/// <summary>Encode and worst-case decode (every data share missing) of one 1 MiB segment.</summary>
[MemoryDiagnoser]
public class ReedSolomonBenchmarks
{
    private const int SegmentSize = 1 << 20;
    private ReedSolomonCodec _codec = null!;
    private byte[] _data = null!;
    private byte[] _parity = null!;
    private byte[] _shares = null!;
    private int[] _shareNumbers = null!;
    private int _blockLength;

    [Params(3, 10)]
    public int K { get; set; }

    [Params(10, 14)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (K >= N)
        {
            throw new InvalidOperationException("k must be below n");
        }

        _codec = ReedSolomonCodec.Get(K, N);
        _blockLength = SegmentSize / K;
        _data = new byte[K * _blockLength];
        new Random(1).NextBytes(_data);
        _parity = new byte[(N - K) * _blockLength];
        _codec.Encode(_data, _parity, _blockLength);

        // Worst case: decode from parity shares only, as many as possible.
        var parityShares = Math.Min(K, N - K);
        _shareNumbers = [.. Enumerable.Range(K - (K - parityShares), K - parityShares), .. Enumerable.Range(K, parityShares)];
        _shares = new byte[K * _blockLength];
        for (var i = 0; i < K; i++)
        {
            var share = _shareNumbers[i];
            var source = share < K ? _data.AsSpan(share * _blockLength, _blockLength) : _parity.AsSpan((share - K) * _blockLength, _blockLength);
            source.CopyTo(_shares.AsSpan(i * _blockLength));
        }
    }

    [Benchmark]
    public void Encode() => _codec.Encode(_data, _parity, _blockLength);

    [Benchmark]
    public void DecodeWorstCase() => _codec.Decode(_shareNumbers, _shares, _data, _blockLength);
}
