using System.Buffers.Binary;
using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Hashing;

namespace Granary.Core.Mutable;

/// <summary>
/// The checks a reader makes on each share before using it (mutable-dirnode §10), on the share's
/// fields as fetched, so a client that reads only some segments can check just those. Each failure
/// throws <see cref="CorruptShareException"/> naming the share and the reason; Tahoe rejects a share
/// that fails any step and uses one that passes.
/// </summary>
public static class MutableShareValidation
{
    private const int HashSize = MutableSecrets.HashSize;
    private const int ChainEntrySize = 2 + HashSize;

    /// <summary>Step 1: the stored public key must hash to the cap's fingerprint (hashing the bytes as stored).</summary>
    public static VerifyingKey CheckVerifyingKey(int share, ReadOnlySpan<byte> verifyingKeyDer, ReadOnlySpan<byte> fingerprint)
    {
        if (!MutableSecrets.Fingerprint(verifyingKeyDer).AsSpan().SequenceEqual(fingerprint))
        {
            throw new CorruptShareException(share, "its public key does not hash to the cap's fingerprint");
        }

        try
        {
            return VerifyingKey.FromSubjectPublicKeyInfo(verifyingKeyDer);
        }
        catch (CryptographicException e)
        {
            throw new CorruptShareException(share, $"its public key matches the fingerprint but is not an RSA key ({e.Message})");
        }
    }

    /// <summary>Step 2: the signature must be the key's PSS signature of the version's signed prefix.</summary>
    public static void CheckSignature(int share, MutableVersion version, VerifyingKey key, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(key);
        if (!key.Verify(version.SignedPrefix, signature))
        {
            throw new CorruptShareException(share, $"its signature does not verify ({version})");
        }
    }

    /// <summary>
    /// Step 4 and the tree's own consistency: the stored block hash tree must have the version's
    /// shape, every interior node must be the hash of its children, and its root must lead, through
    /// the share hash chain, to the signed root hash.
    /// </summary>
    public static void CheckBlockHashTree(int share, MutableVersion version, ReadOnlySpan<byte> blockHashTree, ReadOnlySpan<byte> shareHashChain)
    {
        ArgumentNullException.ThrowIfNull(version);
        var p = version.Parameters;
        if (share < 0 || share >= p.N)
        {
            throw new CorruptShareException(share, $"share number {share} is outside 0 … {p.N - 1}");
        }

        var nodes = p.BlockHashTreeNodeCount;
        if (blockHashTree.Length != nodes * HashSize)
        {
            throw new CorruptShareException(share, $"its block hash tree has {blockHashTree.Length} bytes; {p.SegmentCount} segments need {nodes} hashes");
        }

        Span<byte> parent = stackalloc byte[HashSize];
        for (var i = nodes / 2 - 1; i >= 0; i--)
        {
            HashTag.MerkleInternalNode.HashPair(Node(blockHashTree, 2 * i + 1), Node(blockHashTree, 2 * i + 2), parent);
            if (!parent.SequenceEqual(Node(blockHashTree, i)))
            {
                throw new CorruptShareException(share, $"block hash tree node {i} is not the hash of its children");
            }
        }

        CheckBlockHashTreeRoot(share, version, Node(blockHashTree, 0), shareHashChain);
    }

    /// <summary>
    /// Step 3 and 4 for a few segments without the whole tree, as an auditor checks them: each
    /// segment's stored data must lead, through the block hash tree nodes on its path (<paramref name="blockHashTreeNodes"/>,
    /// by node index, as <see cref="MerkleTree.NeededHashes"/> names them), to one block hash tree root,
    /// and that root through the share hash chain to the signed root hash. A file with no segments
    /// has only the root, node 0, to check.
    /// </summary>
    public static void CheckSegmentsByPath(
        int share, MutableVersion version, IReadOnlyDictionary<int, ReadOnlyMemory<byte>> segmentData, IReadOnlyDictionary<int, byte[]> blockHashTreeNodes, ReadOnlySpan<byte> shareHashChain)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(segmentData);
        ArgumentNullException.ThrowIfNull(blockHashTreeNodes);
        var p = version.Parameters;
        if (share < 0 || share >= p.N)
        {
            throw new CorruptShareException(share, $"share number {share} is outside 0 … {p.N - 1}");
        }

        Span<byte> treeRoot = stackalloc byte[HashSize];
        if (p.SegmentCount == 0)
        {
            if (!blockHashTreeNodes.TryGetValue(0, out var only) || only.Length != HashSize)
            {
                throw new CorruptShareException(share, "its block hash tree root is missing");
            }

            only.CopyTo(treeRoot);
        }
        else if (segmentData.Count == 0)
        {
            throw new ArgumentException("Name at least one segment to check.", nameof(segmentData));
        }

        Span<byte> leaf = stackalloc byte[HashSize];
        Span<byte> root = stackalloc byte[HashSize];
        var first = true;
        foreach (var (segment, data) in segmentData)
        {
            if (data.Length != p.SegmentDataLength(segment))
            {
                throw new CorruptShareException(share, $"segment {segment}'s data is {data.Length} bytes, not {p.SegmentDataLength(segment)}", segment);
            }

            HashTag.Block.Hash(data.Span, leaf);
            if (!MerkleTree.TryComputeRoot(segment, p.SegmentCount, leaf, blockHashTreeNodes, root))
            {
                throw new CorruptShareException(share, $"its block hash tree lacks a node on segment {segment}'s path", segment);
            }

            if (first)
            {
                root.CopyTo(treeRoot);
                first = false;
            }
            else if (!root.SequenceEqual(treeRoot))
            {
                throw new CorruptShareException(share, $"segment {segment}'s block does not match its block hash", segment);
            }
        }

        CheckBlockHashTreeRoot(share, version, treeRoot, shareHashChain);
    }

    // The block hash tree's root, through the share hash chain, must give the signed root hash.
    private static void CheckBlockHashTreeRoot(int share, MutableVersion version, ReadOnlySpan<byte> blockHashTreeRoot, ReadOnlySpan<byte> shareHashChain)
    {
        if (shareHashChain.Length % ChainEntrySize != 0)
        {
            throw new CorruptShareException(share, $"its share hash chain is {shareHashChain.Length} bytes, not a multiple of {ChainEntrySize}");
        }

        var chain = new Dictionary<int, byte[]>();
        for (var at = 0; at < shareHashChain.Length; at += ChainEntrySize)
        {
            chain[BinaryPrimitives.ReadUInt16BigEndian(shareHashChain[at..])] = shareHashChain.Slice(at + 2, HashSize).ToArray();
        }

        Span<byte> root = stackalloc byte[HashSize];
        if (!MerkleTree.TryComputeRoot(share, version.Parameters.N, blockHashTreeRoot, chain, root))
        {
            throw new CorruptShareException(share, "its share hash chain lacks a hash on the path to the root");
        }

        if (!root.SequenceEqual(version.RootHash))
        {
            throw new CorruptShareException(share, "its block hash tree does not lead to the signed root hash");
        }
    }

    /// <summary>
    /// Step 3: one segment's stored data (salt and block for MDMF, the block for SDMF) must hash to
    /// its leaf in a block hash tree already checked with <see cref="CheckBlockHashTree"/>.
    /// </summary>
    public static void CheckSegment(int share, MutableVersion version, ReadOnlySpan<byte> blockHashTree, int segment, ReadOnlySpan<byte> segmentData)
    {
        ArgumentNullException.ThrowIfNull(version);
        var p = version.Parameters;
        if (segmentData.Length != p.SegmentDataLength(segment))
        {
            throw new CorruptShareException(share, $"segment {segment}'s data is {segmentData.Length} bytes, not {p.SegmentDataLength(segment)}", segment);
        }

        Span<byte> leaf = stackalloc byte[HashSize];
        HashTag.Block.Hash(segmentData, leaf);
        var width = (p.BlockHashTreeNodeCount + 1) / 2;
        if (!leaf.SequenceEqual(Node(blockHashTree, width - 1 + segment)))
        {
            throw new CorruptShareException(share, $"segment {segment}'s block does not match its block hash", segment);
        }
    }

    /// <summary>
    /// Step 5, for writers: the encrypted private key, decrypted with the write key, must hash back
    /// to the write key (the bytes as stored, never a re-encoding) and be a 2048-bit PKCS#8 RSA key.
    /// </summary>
    public static SigningKey CheckPrivateKey(int share, MutableWriteCap cap, ReadOnlySpan<byte> encryptedPrivateKey)
    {
        ArgumentNullException.ThrowIfNull(cap);
        var der = MutableSecrets.CryptPrivateKey(cap.WriteKey, encryptedPrivateKey);
        if (!MutableSecrets.WriteKey(der).AsSpan().SequenceEqual(cap.WriteKey))
        {
            throw new CorruptShareException(share, "its encrypted private key does not decrypt to the key the write cap names");
        }

        try
        {
            return SigningKey.FromPkcs8(der);
        }
        catch (CryptographicException e)
        {
            throw new CorruptShareException(share, $"its private key hashes to the write key but cannot be loaded ({e.Message})");
        }
    }

    private static ReadOnlySpan<byte> Node(ReadOnlySpan<byte> tree, int index) => tree.Slice(index * HashSize, HashSize);
}
