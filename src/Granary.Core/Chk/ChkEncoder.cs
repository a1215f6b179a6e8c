using Granary.Core.Caps;
using Granary.Core.Crypto;
using Granary.Core.Erasure;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// The second pass over a file: fed its plaintext one segment at a time, in order, it encrypts,
/// erasure-codes and hashes each segment and hands back the n blocks; <see cref="Finish"/> then yields
/// the hash trees, the URI extension block and the caps. It holds one hash per block and per segment,
/// never the data itself.
/// </summary>
public sealed class ChkEncoder : IDisposable
{
    private const int HashSize = Sha256d.HashSize;

    private readonly byte[] _key;
    private readonly AesCtr _aes;
    private readonly ReedSolomonCodec _codec;
    private readonly TaggedHasher _crypttextHasher = HashTag.Crypttext.CreateHasher();
    private readonly byte[] _segmentHashes;
    private readonly byte[][] _blockHashes;

    public ChkEncoder(ChkParameters parameters, ReadOnlySpan<byte> key)
    {
        Parameters = parameters;
        _key = key.ToArray();
        _aes = new AesCtr(key);
        _codec = ReedSolomonCodec.Get(parameters.K, parameters.N);
        _segmentHashes = new byte[parameters.SegmentCount * HashSize];
        _blockHashes = new byte[parameters.N][];
        for (var share = 0; share < parameters.N; share++)
        {
            _blockHashes[share] = new byte[parameters.SegmentCount * HashSize];
        }
    }

    public ChkParameters Parameters { get; }

    /// <summary>The segment the next call to <see cref="EncodeSegment"/> expects.</summary>
    public int NextSegment { get; private set; }

    /// <summary>
    /// Encodes the next segment. <paramref name="plaintext"/> is exactly that segment's bytes;
    /// <paramref name="shareBlocks"/> receives the n blocks back to back (the block for share j at
    /// <c>j · BlockSizeOf(segment)</c>) and must hold at least n of them.
    /// </summary>
    public void EncodeSegment(ReadOnlySpan<byte> plaintext, Span<byte> shareBlocks)
    {
        var segment = NextSegment;
        if (segment >= Parameters.SegmentCount)
        {
            throw new InvalidOperationException($"All {Parameters.SegmentCount} segments have been encoded.");
        }

        var length = Parameters.SegmentLengthOf(segment);
        if (plaintext.Length != length)
        {
            throw new ArgumentException($"Segment {segment} has {length} bytes; got {plaintext.Length}.", nameof(plaintext));
        }

        var blockSize = Parameters.BlockSizeOf(segment);
        var padded = blockSize * Parameters.K;
        if (shareBlocks.Length < blockSize * Parameters.N)
        {
            throw new ArgumentException($"Segment {segment} needs room for {Parameters.N} blocks of {blockSize} bytes.", nameof(shareBlocks));
        }

        // The first k blocks are the padded ciphertext segment itself, so encrypt straight into place.
        var ciphertext = shareBlocks[..length];
        _aes.Transform(Parameters.SegmentOffset(segment), plaintext, ciphertext);
        shareBlocks[length..padded].Clear();
        HashTag.CrypttextSegment.Hash(ciphertext, _segmentHashes.AsSpan(segment * HashSize, HashSize));
        _crypttextHasher.Append(ciphertext);

        _codec.Encode(shareBlocks[..padded], shareBlocks[padded..(blockSize * Parameters.N)], blockSize);
        for (var share = 0; share < Parameters.N; share++)
        {
            HashTag.Block.Hash(
                shareBlocks.Slice(share * blockSize, blockSize),
                _blockHashes[share].AsSpan(segment * HashSize, HashSize));
        }

        NextSegment++;
    }

    /// <summary>Builds the hash trees, the URI extension block and the caps once every segment is in.</summary>
    public ChkEncoding Finish()
    {
        if (NextSegment != Parameters.SegmentCount)
        {
            throw new InvalidOperationException($"Only {NextSegment} of {Parameters.SegmentCount} segments have been encoded.");
        }

        var crypttextTree = MerkleTree.Build(_segmentHashes);
        var blockTrees = new MerkleTree[Parameters.N];
        var roots = new byte[Parameters.N * HashSize];
        for (var share = 0; share < Parameters.N; share++)
        {
            blockTrees[share] = MerkleTree.Build(_blockHashes[share]);
            blockTrees[share].Root.CopyTo(roots.AsSpan(share * HashSize));
        }

        var shareTree = MerkleTree.Build(roots);
        var extension = new UriExtension(Parameters, _crypttextHasher.Finish(), crypttextTree.Root.ToArray(), shareTree.Root.ToArray());
        var extensionBytes = extension.Serialize();
        var cap = new ChkReadCap(_key, UriExtension.HashOf(extensionBytes), Parameters.K, Parameters.N, Parameters.Size);
        return new ChkEncoding(cap, extension, extensionBytes, crypttextTree, blockTrees, shareTree);
    }

    public void Dispose()
    {
        _aes.Dispose();
        _crypttextHasher.Dispose();
    }
}
