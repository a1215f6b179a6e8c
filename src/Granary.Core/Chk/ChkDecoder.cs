using System.Buffers;
using System.Buffers.Binary;
using Granary.Core.Caps;
using Granary.Core.Crypto;
using Granary.Core.Erasure;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// Turns shares back into plaintext, trusting nothing but the read cap (a verify cap suffices to check shares). Everything read from a
/// share is checked before it is used: the URI extension block against the hash in the cap, a
/// share's block-tree root against the share hash tree in the UEB, every block against its share's
/// block tree, and every decoded segment against the crypttext hash tree. A failure names the share
/// (<see cref="CorruptShareException"/>) so the caller can fetch another one.
/// </summary>
/// <remarks>
/// Feed it in this order: one <see cref="AcceptUriExtension"/>, then for each share used
/// <see cref="AcceptShareHeader"/> and <see cref="AcceptShareHashes"/>, one
/// <see cref="AcceptCrypttextHashTree"/>, then <see cref="DecodeSegment"/> per segment.
/// <see cref="AcceptShare"/> does the first four from a whole share held in memory.
/// </remarks>
public sealed class ChkDecoder : IDisposable
{
    private const int HashSize = Sha256d.HashSize;

    private readonly Dictionary<int, byte[]> _blockLeaves = [];
    private readonly AesCtr? _aes;
    private readonly byte[] _uriExtensionHash;
    private UriExtension? _extension;
    private byte[]? _extensionBytes;
    private MerkleTree? _crypttextTree;

    /// <summary>A decoder that verifies and decrypts.</summary>
    public ChkDecoder(ChkReadCap cap)
        : this(cap.UriExtensionHash, cap.K, cap.N, cap.Size) => _aes = new AesCtr(cap.Key);

    /// <summary>A decoder that verifies shares but cannot decrypt (what a verifier or repairer without the key holds).</summary>
    public ChkDecoder(ChkVerifyCap cap)
        : this(cap.UriExtensionHash, cap.K, cap.N, cap.Size)
    {
    }

    private ChkDecoder(ReadOnlySpan<byte> uriExtensionHash, int k, int n, long size)
    {
        _uriExtensionHash = uriExtensionHash.ToArray();
        K = k;
        N = n;
        Size = size;
    }

    public int K { get; }

    public int N { get; }

    public long Size { get; }

    public UriExtension? UriExtension => _extension;

    /// <summary>The URI extension block exactly as the shares carry it, once one has been accepted.</summary>
    public ReadOnlySpan<byte> UriExtensionBytes => _extensionBytes;

    /// <summary>The crypttext hash tree checked against the URI extension block, once one has been accepted.</summary>
    public MerkleTree? CrypttextHashTree => _crypttextTree;

    public ChkParameters Parameters =>
        _extension?.Parameters ?? throw new InvalidOperationException("No URI extension block has been accepted yet.");

    public bool HasCrypttextHashes => _crypttextTree is not null;

    /// <summary>Shares whose hashes have been verified, so their blocks can be.</summary>
    public IReadOnlyCollection<int> VerifiedShares => _blockLeaves.Keys;

    /// <summary>Checks a URI extension block read from share <paramref name="share"/> against the cap.</summary>
    public void AcceptUriExtension(int share, ReadOnlySpan<byte> serialized)
    {
        if (!UriExtension.HashOf(serialized).AsSpan().SequenceEqual(_uriExtensionHash))
        {
            throw new CorruptShareException(share, "its URI extension block does not match the hash in the cap");
        }

        if (_extension is not null)
        {
            return;
        }

        UriExtension extension;
        try
        {
            extension = UriExtension.Parse(serialized);
        }
        catch (FormatException e)
        {
            throw new CorruptFileException($"The URI extension block the cap vouches for is malformed: {e.Message}", e);
        }

        var p = extension.Parameters;
        if (p.K != K || p.N != N || p.Size != Size)
        {
            throw new CorruptFileException(
                $"The URI extension block says {p.K}-of-{p.N} and {p.Size} bytes; the cap says {K}-of-{N} and {Size} bytes.");
        }

        _extension = extension;
        _extensionBytes = serialized.ToArray();
    }

    /// <summary>Checks that a share's offset table is the one its file's parameters imply.</summary>
    public void AcceptShareHeader(int share, ShareHeader header)
    {
        RequireShareNumber(share);
        if (header != ShareHeader.For(Parameters, header.Version))
        {
            throw new CorruptShareException(share, "its header does not match the file's encoding parameters");
        }
    }

    /// <summary>
    /// Verifies share <paramref name="share"/>'s block hash tree: its root must be the leaf the share
    /// hashes prove against the share root hash in the UEB. Afterwards its blocks can be verified.
    /// </summary>
    public void AcceptShareHashes(int share, ReadOnlySpan<byte> shareHashes, ReadOnlySpan<byte> blockHashTree)
    {
        RequireShareNumber(share);
        var p = Parameters;
        var tree = VerifiedTree(share, blockHashTree, p.SegmentCount, "block hash tree");

        // Exactly the nodes a reader needs, in ascending order: nothing unverified rides along.
        if (ShareHashChain.Problem(share, p.N, shareHashes, tree.Root, _extension!.ShareRootHash) is { } problem)
        {
            throw new CorruptShareException(share, problem);
        }

        _blockLeaves[share] = tree.Nodes.Slice((tree.Width - 1) * HashSize, p.SegmentCount * HashSize).ToArray();
    }

    /// <summary>Verifies the crypttext hash tree read from <paramref name="share"/> against the UEB.</summary>
    public void AcceptCrypttextHashTree(int share, ReadOnlySpan<byte> crypttextHashTree)
    {
        if (_crypttextTree is not null)
        {
            if (!crypttextHashTree.SequenceEqual(_crypttextTree.Nodes))
            {
                throw new CorruptShareException(share, "its crypttext hash tree differs from the verified one");
            }

            return;
        }

        var tree = VerifiedTree(share, crypttextHashTree, Parameters.SegmentCount, "crypttext hash tree");
        if (!tree.Root.SequenceEqual(_extension!.CrypttextRootHash))
        {
            throw new CorruptShareException(share, "its crypttext hash tree does not match the root in the URI extension block");
        }

        _crypttextTree = tree;
    }

    /// <summary>
    /// Reads and verifies everything but the blocks of a share held whole in memory: header, URI
    /// extension block, share hashes, block and crypttext hash trees, and the zeros of the unused region.
    /// </summary>
    public void AcceptShare(int share, ReadOnlySpan<byte> shareBytes)
    {
        RequireShareNumber(share);
        ShareHeader header;
        try
        {
            if (!ShareHeader.TryParse(shareBytes, out var parsed))
            {
                throw new CorruptShareException(share, "it is shorter than a share header");
            }

            header = parsed!;
        }
        catch (FormatException e)
        {
            throw new CorruptShareException(share, $"its header is unreadable ({e.Message})");
        }

        var extension = Region(share, shareBytes, header.UriExtensionOffset, header.UriExtensionLengthSize, "URI extension length");
        var length = header.UriExtensionLengthSize == 4 ? BinaryPrimitives.ReadUInt32BigEndian(extension) : BinaryPrimitives.ReadUInt64BigEndian(extension);
        if (length > UriExtension.MaxSerializedLength)
        {
            throw new CorruptShareException(share, $"its URI extension block claims {length} bytes");
        }

        AcceptUriExtension(share, Region(share, shareBytes, header.UriExtensionOffset + header.UriExtensionLengthSize, (long)length, "URI extension block"));
        AcceptShareHeader(share, header);
        var treeSize = (long)MerkleTree.NodeCountFor(Parameters.SegmentCount) * HashSize;
        AcceptShareHashes(
            share,
            Region(share, shareBytes, header.ShareHashesOffset, header.UriExtensionOffset - header.ShareHashesOffset, "share hashes"),
            Region(share, shareBytes, header.BlockHashesOffset, treeSize, "block hash tree"));
        AcceptCrypttextHashTree(share, Region(share, shareBytes, header.CrypttextHashTreeOffset, treeSize, "crypttext hash tree"));
        var unused = Region(share, shareBytes, header.PlaintextHashTreeOffset, header.CrypttextHashTreeOffset - header.PlaintextHashTreeOffset, "unused region");
        if (unused.ContainsAnyExcept((byte)0))
        {
            throw new CorruptShareException(share, "its unused plaintext hash tree region is not zero");
        }
    }

    /// <summary>Checks one block against its share's verified block hash tree.</summary>
    public void VerifyBlock(int share, int segment, ReadOnlySpan<byte> block)
    {
        if (!_blockLeaves.TryGetValue(share, out var leaves))
        {
            throw new InvalidOperationException($"Share {share}'s hashes have not been verified yet.");
        }

        var p = Parameters;
        ArgumentOutOfRangeException.ThrowIfNegative(segment);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(segment, p.SegmentCount);
        if (block.Length != p.BlockSizeOf(segment))
        {
            throw new CorruptShareException(share, $"block {segment} is {block.Length} bytes, not {p.BlockSizeOf(segment)}", segment);
        }

        Span<byte> hash = stackalloc byte[HashSize];
        HashTag.Block.Hash(block, hash);
        if (!hash.SequenceEqual(leaves.AsSpan(segment * HashSize, HashSize)))
        {
            throw new CorruptShareException(share, $"block {segment} does not match its block hash", segment);
        }
    }

    /// <summary>
    /// Verifies k blocks of one segment, decodes and decrypts them into <paramref name="plaintext"/>
    /// (at least the segment's length) and returns the number of plaintext bytes.
    /// <paramref name="blocks"/> holds the blocks of <paramref name="shares"/>, in that order, back to back.
    /// </summary>
    public int DecodeSegment(int segment, ReadOnlySpan<int> shares, ReadOnlySpan<byte> blocks, Span<byte> plaintext)
    {
        if (_aes is null)
        {
            throw new InvalidOperationException("A decoder made from a verify cap can verify shares but not decrypt them.");
        }

        var padded = ArrayPool<byte>.Shared.Rent(Parameters.BlockSizeOf(segment) * K);
        try
        {
            var length = DecodeCiphertext(segment, shares, blocks, padded);
            _aes.Transform(Parameters.SegmentOffset(segment), padded.AsSpan(0, length), plaintext);
            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(padded);
        }
    }

    /// <summary>
    /// Verifies k blocks of one segment and decodes them, without decrypting, into the k data blocks
    /// at <paramref name="dataBlocks"/> (at least k blocks of the segment's block size): the segment's
    /// ciphertext, checked against the crypttext hash tree, followed by the encoder's padding. Returns
    /// the ciphertext's length. A verify cap suffices.
    /// </summary>
    public int DecodeCiphertext(int segment, ReadOnlySpan<int> shares, ReadOnlySpan<byte> blocks, Span<byte> dataBlocks)
    {
        var p = Parameters;
        if (_crypttextTree is null)
        {
            throw new InvalidOperationException("The crypttext hash tree has not been accepted yet.");
        }

        var blockSize = p.BlockSizeOf(segment);
        if (shares.Length != p.K || blocks.Length != blockSize * p.K)
        {
            throw new ArgumentException($"Segment {segment} needs {p.K} blocks of {blockSize} bytes.", nameof(blocks));
        }

        if (dataBlocks.Length < blockSize * p.K)
        {
            throw new ArgumentException($"Segment {segment} decodes to {p.K} blocks of {blockSize} bytes.", nameof(dataBlocks));
        }

        for (var i = 0; i < shares.Length; i++)
        {
            VerifyBlock(shares[i], segment, blocks.Slice(i * blockSize, blockSize));
        }

        var length = p.SegmentLengthOf(segment);
        ReedSolomonCodec.Get(p.K, p.N).Decode(shares, blocks, dataBlocks[..(blockSize * p.K)], blockSize);
        Span<byte> hash = stackalloc byte[HashSize];
        HashTag.CrypttextSegment.Hash(dataBlocks[..length], hash);
        if (!hash.SequenceEqual(_crypttextTree.GetLeaf(segment)))
        {
            throw new CorruptFileException(
                $"Segment {segment} decoded from verified shares [{string.Join(", ", shares.ToArray())}] does not match its crypttext hash: the shares disagree with each other.");
        }

        return length;
    }

    public void Dispose() => _aes?.Dispose();

    private void RequireShareNumber(int share)
    {
        if (share < 0 || share >= N)
        {
            throw new ArgumentOutOfRangeException(nameof(share), $"Share number {share} is outside 0..{N - 1}.");
        }
    }

    // Rebuilds a stored breadth-first tree from its leaves; every stored node must match, so a
    // flipped byte anywhere in it is caught here rather than trusted later.
    private static MerkleTree VerifiedTree(int share, ReadOnlySpan<byte> stored, int leafCount, string what)
    {
        var nodes = MerkleTree.NodeCountFor(leafCount);
        if (stored.Length != nodes * HashSize)
        {
            throw new CorruptShareException(share, $"its {what} is {stored.Length} bytes, not {nodes * HashSize}");
        }

        var tree = MerkleTree.Build(stored.Slice((MerkleTree.WidthFor(leafCount) - 1) * HashSize, leafCount * HashSize));
        if (!tree.Nodes.SequenceEqual(stored))
        {
            throw new CorruptShareException(share, $"its {what} is not internally consistent");
        }

        return tree;
    }

    private static ReadOnlySpan<byte> Region(int share, ReadOnlySpan<byte> shareBytes, long offset, long length, string what)
    {
        if (offset < 0 || length < 0 || offset + length > shareBytes.Length)
        {
            throw new CorruptShareException(share, $"it is truncated before the end of its {what}");
        }

        return shareBytes.Slice((int)offset, (int)length);
    }
}
