using Granary.Core.Crypto;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// One thread's tools for encoding segments of one file: its own AES state and hash batch, so
/// workers share nothing but the encoder's read-only parameters and disjoint hash slots. Encoding a
/// group of segments hashes all their blocks and segments in one batch, which keeps the SHA-256
/// lanes full.
/// </summary>
internal sealed unsafe class SegmentWorker : IDisposable
{
    private readonly ChkEncoder _encoder;
    private readonly AesCtr _aes;
    private readonly TaggedHashBatch _hashes = new();

    public SegmentWorker(ChkEncoder encoder)
    {
        _encoder = encoder;
        _aes = new AesCtr(encoder.Key);
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into the data blocks at <paramref name="blocks"/>, then codes and hashes it.</summary>
    public void Encode(int segment, ReadOnlySpan<byte> plaintext, byte* blocks)
    {
        var p = _encoder.Parameters;
        _aes.Transform(p.SegmentOffset(segment), plaintext, new Span<byte>(blocks, plaintext.Length));
        Finish(segment, blocks);
        _hashes.Run();
    }

    /// <summary>Encodes segments whose plaintext already sits where their data blocks go.</summary>
    public void EncodeInPlace(int firstSegment, int count, byte* batch)
    {
        var p = _encoder.Parameters;
        for (var i = 0; i < count; i++)
        {
            var segment = firstSegment + i;
            var blocks = batch + (long)i * _encoder.EncodedSegmentSize;
            var data = new Span<byte>(blocks, p.SegmentLengthOf(segment));
            _aes.Transform(p.SegmentOffset(segment), data, data);
            Finish(segment, blocks);
        }

        _hashes.Run();
    }

    // Pads the ciphertext, adds the parity blocks and queues the segment's hashes.
    private void Finish(int segment, byte* blocks)
    {
        var p = _encoder.Parameters;
        var length = p.SegmentLengthOf(segment);
        var blockSize = p.BlockSizeOf(segment);
        var padded = blockSize * p.K;
        new Span<byte>(blocks + length, padded - length).Clear();
        _encoder.Codec.Encode(
            new ReadOnlySpan<byte>(blocks, padded), new Span<byte>(blocks + padded, blockSize * (p.N - p.K)), blockSize);

        _hashes.Add(HashTag.CrypttextSegment, blocks, length, _encoder.SegmentHashSlot(segment));
        for (var share = 0; share < p.N; share++)
        {
            _hashes.Add(HashTag.Block, blocks + (long)share * blockSize, blockSize, _encoder.BlockHashSlot(share, segment));
        }
    }

    public void Dispose() => _aes.Dispose();
}
