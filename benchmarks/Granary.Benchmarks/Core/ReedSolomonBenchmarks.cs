using BenchmarkDotNet.Attributes;
using Granary.Core.Erasure;

namespace Granary.Benchmarks.Core;

/// <summary>
/// Encode and decode of one 1 MiB segment: the worst case (as many data shares lost as there are
/// parity shares) with the lost shares leading and spread out, and the best (one lost).
/// </summary>
[MemoryDiagnoser]
public class ReedSolomonBenchmarks
{
    private const int SegmentSize = 1 << 20;
    private ReedSolomonCodec _codec = null!;
    private byte[] _data = null!;
    private byte[] _parity = null!;
    private byte[] _shares = null!;
    private int[] _shareNumbers = null!;
    private byte[] _spreadShares = null!;
    private int[] _spreadShareNumbers = null!;
    private byte[] _oneLostShares = null!;
    private int[] _oneLostShareNumbers = null!;
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

        // Worst case: every parity share used, the lost data shares leading.
        var parityShares = Math.Min(K, N - K);
        _shareNumbers = Losing([.. Enumerable.Range(0, parityShares)]);
        _shares = Gather(_shareNumbers);

        // The same number lost, spread over the data shares; and a single lost share.
        _spreadShareNumbers = Losing([.. Enumerable.Range(0, parityShares).Select(i => i * K / parityShares)]);
        _spreadShares = Gather(_spreadShareNumbers);
        _oneLostShareNumbers = Losing([0]);
        _oneLostShares = Gather(_oneLostShareNumbers);
    }

    [Benchmark]
    public void Encode() => _codec.Encode(_data, _parity, _blockLength);

    [Benchmark]
    public void DecodeWorstCase() => _codec.Decode(_shareNumbers, _shares, _data, _blockLength);

    [Benchmark]
    public void DecodeWorstCaseSpread() => _codec.Decode(_spreadShareNumbers, _spreadShares, _data, _blockLength);

    [Benchmark]
    public void DecodeOneLost() => _codec.Decode(_oneLostShareNumbers, _oneLostShares, _data, _blockLength);

    // Data share d lost: parity share K + i takes its place.
    private int[] Losing(int[] lostDataShares)
    {
        var shares = Enumerable.Range(0, K).ToArray();
        for (var i = 0; i < lostDataShares.Length; i++)
        {
            shares[lostDataShares[i]] = K + i;
        }

        return shares;
    }

    private byte[] Gather(int[] shareNumbers)
    {
        var blocks = new byte[K * _blockLength];
        for (var i = 0; i < K; i++)
        {
            var share = shareNumbers[i];
            var source = share < K ? _data.AsSpan(share * _blockLength, _blockLength) : _parity.AsSpan((share - K) * _blockLength, _blockLength);
            source.CopyTo(blocks.AsSpan(i * _blockLength));
        }

        return blocks;
    }
}
