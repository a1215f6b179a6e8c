using System.Runtime.CompilerServices;
using Granary.Core.Caps;
using Granary.Core.Erasure;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// Re-makes every share of a CHK file from its ciphertext alone, as Tahoe-LAFS's repairer does: it
/// never holds the read key or sees plaintext. Fed each segment's k data blocks (the padded
/// ciphertext, decoded from verified blocks by <see cref="ChkDecoder.DecodeCiphertext"/>), it adds the
/// parity blocks and hashes all n blocks; <see cref="Finish"/> builds the block hash trees and the
/// share hash tree and takes the URI extension block and crypttext hash tree as the verified shares
/// carry them, so the shares it makes are byte for byte the ones the upload made.
/// </summary>
/// <remarks>
/// Trusts nothing it has not checked: the decoder has checked the UEB against the verify cap and the
/// crypttext hash tree against the UEB, and <see cref="Finish"/> refuses a share hash tree whose root
/// is not the UEB's share root hash (shares made by an encoder that lays out blocks differently).
/// It holds one segment's blocks and one hash per block, never the file.
/// </remarks>
public sealed unsafe class ChkShareRebuilder
{
    private const int HashSize = Sha256d.HashSize;

    private readonly ChkVerifyCap _cap;
    private readonly UriExtension _extension;
    private readonly byte[] _extensionBytes;
    private readonly MerkleTree _crypttextTree;
    private readonly ReedSolomonCodec _codec;
    private readonly TaggedHashBatch _hashes = new();

    // Pinned: the hash batch reads the blocks and writes the hashes through pointers.
    private readonly byte[] _blocks;
    private readonly byte[] _blockHashes;
    private int _nextSegment;

    /// <summary>A rebuilder for the file <paramref name="decoder"/> has opened (UEB and crypttext hash tree accepted).</summary>
    public ChkShareRebuilder(ChkVerifyCap cap, ChkDecoder decoder)
    {
        _cap = cap;
        _extension = decoder.UriExtension ?? throw new InvalidOperationException("No URI extension block has been accepted yet.");
        _extensionBytes = decoder.UriExtensionBytes.ToArray();
        _crypttextTree = decoder.CrypttextHashTree ?? throw new InvalidOperationException("The crypttext hash tree has not been accepted yet.");
        var p = Parameters;
        _codec = ReedSolomonCodec.Get(p.K, p.N);
        _blocks = GC.AllocateUninitializedArray<byte>(p.BlockSize * p.N, pinned: true);
        _blockHashes = GC.AllocateArray<byte>(p.N * p.SegmentCount * HashSize, pinned: true);
    }

    public ChkParameters Parameters => _extension.Parameters;

    /// <summary>The segment the next call to <see cref="EncodeSegment"/> expects.</summary>
    public int NextSegment => _nextSegment;

    /// <summary>
    /// Where the next segment's k data blocks go before <see cref="EncodeSegment"/>, and where its n
    /// blocks are afterwards, back to back (share j's at <c>j · BlockSizeOf(segment)</c>).
    /// </summary>
    public Memory<byte> Blocks => _blocks;

    /// <summary>Adds the parity blocks to the data blocks in <see cref="Blocks"/> and hashes all n; returns the segment's block size.</summary>
    public int EncodeSegment()
    {
        var p = Parameters;
        var segment = _nextSegment;
        if (segment >= p.SegmentCount)
        {
            throw new InvalidOperationException($"All {p.SegmentCount} segments have been encoded.");
        }

        var blockSize = p.BlockSizeOf(segment);
        var padded = blockSize * p.K;
        _codec.Encode(_blocks.AsSpan(0, padded), _blocks.AsSpan(padded, blockSize * (p.N - p.K)), blockSize);
        var blocks = (byte*)Unsafe.AsPointer(ref _blocks[0]);
        for (var share = 0; share < p.N; share++)
        {
            _hashes.Add(HashTag.Block, blocks + (long)share * blockSize, blockSize, (byte*)Unsafe.AsPointer(ref _blockHashes[((share * p.SegmentCount) + segment) * HashSize]));
        }

        _hashes.Run();
        _nextSegment++;
        return blockSize;
    }

    /// <summary>
    /// Builds the block and share hash trees once every segment is in. Throws
    /// <see cref="CorruptFileException"/> when the share hash tree's root is not the one in the URI
    /// extension block: the re-made shares would not be the file's, so none may be placed.
    /// </summary>
    public ChkShares Finish()
    {
        var p = Parameters;
        if (_nextSegment != p.SegmentCount)
        {
            throw new InvalidOperationException($"Only {_nextSegment} of {p.SegmentCount} segments have been encoded.");
        }

        var blockTrees = new MerkleTree[p.N];
        var roots = new byte[p.N * HashSize];
        var perShare = p.SegmentCount * HashSize;
        for (var share = 0; share < p.N; share++)
        {
            blockTrees[share] = MerkleTree.Build(_blockHashes.AsSpan(share * perShare, perShare));
            blockTrees[share].Root.CopyTo(roots.AsSpan(share * HashSize));
        }

        var shareTree = MerkleTree.Build(roots);
        if (!shareTree.Root.SequenceEqual(_extension.ShareRootHash))
        {
            throw new CorruptFileException(
                "Re-encoding the file's ciphertext does not reproduce the share root hash in its URI extension block; the shares were not made by a compatible encoder.");
        }

        return new ChkShares(_cap, _extension, _extensionBytes, _crypttextTree, blockTrees, shareTree);
    }
}
