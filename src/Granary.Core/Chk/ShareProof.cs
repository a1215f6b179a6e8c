using System.Buffers;
using System.Buffers.Binary;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>One block a proof carries: its segment number and its bytes.</summary>
public sealed record ProvenBlock(int Segment, ReadOnlyMemory<byte> Data);

/// <summary>One node of a share's block hash tree (breadth-first index, 32-byte hash).</summary>
public sealed record BlockTreeNode(int Index, ReadOnlyMemory<byte> Hash);

/// <summary>
/// A storage node's answer to an audit of one immutable share: some of its blocks, the nodes of
/// its block hash tree that lead from them to the tree's root (each block's own leaf and the
/// siblings on its path, each node once), and the share hashes the share stores, which lead from
/// that root to the share root hash in the URI extension block. The wire form (version 1,
/// docs/storage-protocol.md §4) is, big-endian:
/// <c>version u8 = 1, block count u8, share-hash count u8, tree-node count u16</c>, then per block
/// <c>segment u32, length u32, bytes</c> (ascending segments), per tree node <c>index u32, hash[32]</c>
/// (ascending indices), per share hash <c>node u16, hash[32]</c> exactly as the share stores them.
/// </summary>
public sealed class ShareProof
{
    public const byte FormatVersion = 1;

    /// <summary>Blocks one audit may ask for.</summary>
    public const int MaxBlocks = 16;

    private const int HashSize = Sha256d.HashSize;
    private const int HeaderSize = 5;
    private const int BlockEntryHeaderSize = 8;
    private const int TreeEntrySize = 4 + HashSize;

    // A path is at most 23 nodes (the leaf and 22 siblings, for 2^22 segments); a share hash
    // chain at most 9 (256 shares). Anything longer is not a proof.
    private const int MaxTreeNodes = MaxBlocks * 23;
    private const int MaxShareHashes = 9;

    public ShareProof(IReadOnlyList<ProvenBlock> blocks, IReadOnlyList<BlockTreeNode> treeNodes, ReadOnlyMemory<byte> shareHashes)
    {
        if (blocks.Count is < 1 or > MaxBlocks || treeNodes.Count > MaxTreeNodes
            || shareHashes.Length % ShareHeader.ShareHashEntrySize != 0 || shareHashes.Length / ShareHeader.ShareHashEntrySize > MaxShareHashes)
        {
            throw new ArgumentException($"A proof carries 1 to {MaxBlocks} blocks, at most {MaxTreeNodes} tree nodes and {MaxShareHashes} share hashes.");
        }

        Blocks = blocks;
        TreeNodes = treeNodes;
        ShareHashes = shareHashes;
    }

    public IReadOnlyList<ProvenBlock> Blocks { get; }

    public IReadOnlyList<BlockTreeNode> TreeNodes { get; }

    /// <summary>The share hash entries (2-byte node number and 32-byte hash each), as the share stores them.</summary>
    public ReadOnlyMemory<byte> ShareHashes { get; }

    /// <summary>The block-tree nodes a verifier needs for <paramref name="segments"/> of a share of <paramref name="segmentCount"/> blocks: each leaf and the siblings on its path, ascending, each once.</summary>
    public static int[] NeededTreeNodes(IEnumerable<int> segments, int segmentCount)
    {
        var needed = new SortedSet<int>();
        foreach (var segment in segments)
        {
            needed.UnionWith(MerkleTree.NeededHashes(segment, segmentCount, includeLeaf: true));
        }

        return [.. needed];
    }

    public int SerializedLength
    {
        get
        {
            var length = (long)HeaderSize + ((long)TreeNodes.Count * TreeEntrySize) + ShareHashes.Length;
            foreach (var block in Blocks)
            {
                length += BlockEntryHeaderSize + block.Data.Length;
            }

            return checked((int)length);
        }
    }

    public byte[] Serialize()
    {
        var writer = new ArrayBufferWriter<byte>(SerializedLength);
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the wire form piece by piece (<see cref="SerializedLength"/> bytes), so a large block is copied once, straight into <paramref name="writer"/>.</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> small = stackalloc byte[TreeEntrySize];
        small[0] = FormatVersion;
        small[1] = (byte)Blocks.Count;
        small[2] = (byte)(ShareHashes.Length / ShareHeader.ShareHashEntrySize);
        BinaryPrimitives.WriteUInt16BigEndian(small[3..], (ushort)TreeNodes.Count);
        writer.Write(small[..HeaderSize]);
        foreach (var block in Blocks)
        {
            BinaryPrimitives.WriteUInt32BigEndian(small, (uint)block.Segment);
            BinaryPrimitives.WriteUInt32BigEndian(small[4..], (uint)block.Data.Length);
            writer.Write(small[..BlockEntryHeaderSize]);
            writer.Write(block.Data.Span);
        }

        foreach (var node in TreeNodes)
        {
            BinaryPrimitives.WriteUInt32BigEndian(small, (uint)node.Index);
            node.Hash.Span.CopyTo(small[4..]);
            writer.Write(small);
        }

        writer.Write(ShareHashes.Span);
    }

    /// <summary>
    /// Reads a proof from exactly <paramref name="bytes"/>. Never throws: anything that is not a
    /// well-formed version-1 proof (short, long, counts out of bounds, lengths past the end) returns
    /// false with the reason. Well-formed says nothing about whether it proves anything; see
    /// <see cref="ShareProofVerifier"/>. The proof refers to <paramref name="bytes"/>, not a copy.
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> bytes, out ShareProof? proof, out string? error)
    {
        proof = null;
        var span = bytes.Span;
        if (span.Length < HeaderSize)
        {
            error = $"a proof is at least {HeaderSize} bytes; got {span.Length}";
            return false;
        }

        if (span[0] != FormatVersion)
        {
            error = $"unknown proof format version {span[0]}";
            return false;
        }

        int blockCount = span[1], shareHashCount = span[2], treeCount = BinaryPrimitives.ReadUInt16BigEndian(span[3..]);
        if (blockCount is < 1 or > MaxBlocks || shareHashCount > MaxShareHashes || treeCount > MaxTreeNodes)
        {
            error = $"the proof claims {blockCount} blocks, {treeCount} tree nodes and {shareHashCount} share hashes (at most {MaxBlocks}, {MaxTreeNodes} and {MaxShareHashes})";
            return false;
        }

        var at = HeaderSize;
        var blocks = new ProvenBlock[blockCount];
        for (var i = 0; i < blockCount; i++)
        {
            if (span.Length - at < BlockEntryHeaderSize)
            {
                error = $"the proof ends inside block entry {i}";
                return false;
            }

            var segment = BinaryPrimitives.ReadUInt32BigEndian(span[at..]);
            var length = BinaryPrimitives.ReadUInt32BigEndian(span[(at + 4)..]);
            at += BlockEntryHeaderSize;
            if (segment >= ChkParameters.MaxSegments || length > (uint)(span.Length - at))
            {
                error = $"block entry {i} (segment {segment}, {length} bytes) does not fit the proof";
                return false;
            }

            blocks[i] = new ProvenBlock((int)segment, bytes.Slice(at, (int)length));
            at += (int)length;
        }

        var rest = (long)treeCount * TreeEntrySize + (long)shareHashCount * ShareHeader.ShareHashEntrySize;
        if (span.Length - at != rest)
        {
            error = $"after its blocks the proof has {span.Length - at} bytes, not the {rest} its counts need";
            return false;
        }

        var nodes = new BlockTreeNode[treeCount];
        for (var i = 0; i < treeCount; i++)
        {
            var index = BinaryPrimitives.ReadUInt32BigEndian(span[at..]);
            if (index > int.MaxValue)
            {
                error = $"tree node entry {i} has index {index}";
                return false;
            }

            nodes[i] = new BlockTreeNode((int)index, bytes.Slice(at + 4, HashSize));
            at += TreeEntrySize;
        }

        proof = new ShareProof(blocks, nodes, bytes[at..]);
        error = null;
        return true;
    }
}
