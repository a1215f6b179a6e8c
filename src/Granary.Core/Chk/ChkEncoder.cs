using System.Runtime.CompilerServices;
using Granary.Core.Caps;
using Granary.Core.Erasure;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// The second pass over a file: fed its plaintext a segment at a time, it encrypts, erasure-codes
/// and hashes each segment and hands back the n blocks; <see cref="Finish"/> then yields the hash
/// trees, the URI extension block and the caps. It holds one hash per block and per segment, never
/// the data itself.
/// </summary>
/// <remarks>
/// Segments may also be encoded out of order and on several threads (<see cref="EncodeBatch"/>, used
/// by <see cref="ChkPipeline"/>); only the flat crypttext hash needs the ciphertext in order
/// (<see cref="AppendCrypttext"/>).
/// </remarks>
public sealed unsafe class ChkEncoder : IDisposable
{
    private const int HashSize = Sha256d.HashSize;

    private readonly byte[] _key;
    private readonly TaggedHasher _crypttextHasher = HashTag.Crypttext.CreateHasher();

    // Pinned: hash jobs on worker threads write straight into them.
    private readonly byte[] _segmentHashes;
    private readonly byte[] _blockHashes;
    private SegmentWorker? _worker;
    private int _nextCrypttextSegment;

    public ChkEncoder(ChkParameters parameters, ReadOnlySpan<byte> key)
    {
        Parameters = parameters;
        _key = key.ToArray();
        Codec = ReedSolomonCodec.Get(parameters.K, parameters.N);
        _segmentHashes = GC.AllocateArray<byte>(parameters.SegmentCount * HashSize, pinned: true);
        _blockHashes = GC.AllocateArray<byte>(parameters.N * parameters.SegmentCount * HashSize, pinned: true);
    }

    public ChkParameters Parameters { get; }

    /// <summary>How block and segment hashes are computed on this machine (for reports).</summary>
    public static string HashingImplementation => TaggedHashBatch.UsesLanes ? "16 lanes (AVX-512)" : "one stream per message";

    internal ReedSolomonCodec Codec { get; }

    internal ReadOnlySpan<byte> Key => _key;

    /// <summary>Bytes a segment takes when its n blocks are laid out back to back (the tail's are shorter).</summary>
    public int EncodedSegmentSize => Parameters.BlockSize * Parameters.N;

    /// <summary>The segment the next call to <see cref="EncodeSegment"/> expects.</summary>
    public int NextSegment => _nextCrypttextSegment;

    /// <summary>
    /// Encodes the next segment. <paramref name="plaintext"/> is exactly that segment's bytes;
    /// <paramref name="shareBlocks"/> receives the n blocks back to back (the block for share j at
    /// <c>j · BlockSizeOf(segment)</c>) and must hold at least n of them.
    /// </summary>
    public void EncodeSegment(ReadOnlySpan<byte> plaintext, Span<byte> shareBlocks)
    {
        var segment = _nextCrypttextSegment;
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
        if (shareBlocks.Length < blockSize * Parameters.N)
        {
            throw new ArgumentException($"Segment {segment} needs room for {Parameters.N} blocks of {blockSize} bytes.", nameof(shareBlocks));
        }

        _worker ??= new SegmentWorker(this);
        fixed (byte* blocks = shareBlocks)
        {
            _worker.Encode(segment, plaintext, blocks);
        }

        AppendCrypttext(segment, shareBlocks[..length]);
    }

    /// <summary>
    /// Encodes <paramref name="count"/> segments from <paramref name="firstSegment"/> whose plaintext
    /// is already in <paramref name="batch"/>, each at <c>i · EncodedSegmentSize</c>, where its data
    /// blocks go; they are encrypted in place and followed by their parity blocks. Safe to call from
    /// several threads at once for different segments.
    /// </summary>
    internal void EncodeBatch(SegmentWorker worker, int firstSegment, int count, byte* batch) =>
        worker.EncodeInPlace(firstSegment, count, batch);

    /// <summary>Feeds segment <paramref name="segment"/>'s ciphertext to the flat crypttext hash; segments must come in order.</summary>
    internal void AppendCrypttext(int segment, ReadOnlySpan<byte> ciphertext)
    {
        if (segment != _nextCrypttextSegment)
        {
            throw new InvalidOperationException($"Ciphertext of segment {segment} arrived while segment {_nextCrypttextSegment} was expected.");
        }

        _crypttextHasher.Append(ciphertext);
        _nextCrypttextSegment++;
    }

    internal byte* SegmentHashSlot(int segment) => (byte*)Unsafe.AsPointer(ref _segmentHashes[segment * HashSize]);

    internal byte* BlockHashSlot(int share, int segment) =>
        (byte*)Unsafe.AsPointer(ref _blockHashes[(share * Parameters.SegmentCount + segment) * HashSize]);

    /// <summary>Builds the hash trees, the URI extension block and the caps once every segment is in.</summary>
    public ChkEncoding Finish()
    {
        if (_nextCrypttextSegment != Parameters.SegmentCount)
        {
            throw new InvalidOperationException($"Only {_nextCrypttextSegment} of {Parameters.SegmentCount} segments have been encoded.");
        }

        var crypttextTree = MerkleTree.Build(_segmentHashes);
        var blockTrees = new MerkleTree[Parameters.N];
        var roots = new byte[Parameters.N * HashSize];
        var perShare = Parameters.SegmentCount * HashSize;
        for (var share = 0; share < Parameters.N; share++)
        {
            blockTrees[share] = MerkleTree.Build(_blockHashes.AsSpan(share * perShare, perShare));
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
        _worker?.Dispose();
        _crypttextHasher.Dispose();
    }
}
