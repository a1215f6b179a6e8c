using System.Buffers.Binary;
using Granary.Core.Hashing;

namespace Granary.Core.Mutable;

/// <summary>
/// Everything of a new version except the segment data: the signed header, signature, keys, and
/// each share's block hash tree and share hash chain. From it a writer makes either whole shares
/// (<see cref="AssembleShare"/>) or the write vector that completes a share whose segment data it has
/// already sent (<see cref="FieldWrites"/>).
/// </summary>
public sealed class MutableSignedVersion
{
    private const int HashSize = MutableSecrets.HashSize;

    private readonly byte[] _signature;
    private readonly byte[] _verifyingKey;
    private readonly byte[] _encryptedPrivateKey;
    private readonly byte[][] _blockHashTrees;
    private readonly MerkleTree _shareHashTree;

    internal MutableSignedVersion(
        MutableVersion version, byte[] signature, byte[] verifyingKey, byte[] encryptedPrivateKey, byte[][] blockHashTrees, MerkleTree shareHashTree)
    {
        Version = version;
        _signature = signature;
        _verifyingKey = verifyingKey;
        _encryptedPrivateKey = encryptedPrivateKey;
        _blockHashTrees = blockHashTrees;
        _shareHashTree = shareHashTree;
    }

    /// <summary>The version's header, identical in every share.</summary>
    public MutableVersion Version { get; }

    public ReadOnlySpan<byte> Signature => _signature;

    public ReadOnlySpan<byte> VerifyingKeyDer => _verifyingKey;

    public ReadOnlySpan<byte> EncryptedPrivateKey => _encryptedPrivateKey;

    /// <summary>Share <paramref name="share"/>'s block hash tree as stored: the full node array.</summary>
    public ReadOnlySpan<byte> BlockHashTree(int share) => _blockHashTrees[share];

    /// <summary>Share <paramref name="share"/>'s hash chain as stored: <c>u16 node || hash</c> per entry, ascending node index.</summary>
    public byte[] ShareHashChain(int share)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(share);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(share, Version.Parameters.N);
        var needed = MerkleTree.NeededHashes(share, Version.Parameters.N, includeLeaf: false);
        var chain = new byte[needed.Length * (2 + HashSize)];
        for (var i = 0; i < needed.Length; i++)
        {
            var entry = chain.AsSpan(i * (2 + HashSize));
            BinaryPrimitives.WriteUInt16BigEndian(entry, (ushort)needed[i]);
            _shareHashTree.GetNode(needed[i]).CopyTo(entry[2..]);
        }

        return chain;
    }

    /// <summary>Where in every share <paramref name="segment"/>'s data (salt and block, or block) goes.</summary>
    public long SegmentDataOffset(int segment) => Version.Offsets.ShareData + Version.Parameters.SegmentDataOffset(segment);

    /// <summary>
    /// Share <paramref name="share"/> complete, <c>Offsets.EndOfShare</c> bytes, given its data region
    /// (every segment's <see cref="MutableShareEncoder.EncodeSegment"/> output in order). The MDMF gap
    /// before the data is zero, as on a fresh server slot.
    /// </summary>
    public byte[] AssembleShare(int share, ReadOnlySpan<byte> shareData)
    {
        var o = Version.Offsets;
        if (shareData.Length != Version.Parameters.ShareDataLength)
        {
            throw new ArgumentException($"Share data is {Version.Parameters.ShareDataLength} bytes, not {shareData.Length}.", nameof(shareData));
        }

        var bytes = new byte[o.EndOfShare];
        foreach (var (offset, data) in FieldWrites(share))
        {
            data.CopyTo(bytes.AsSpan((int)offset));
        }

        shareData.CopyTo(bytes.AsSpan((int)o.ShareData));
        return bytes;
    }

    /// <summary>
    /// The writes, besides segment data, that make share <paramref name="share"/> of this version:
    /// header (signed prefix and offsets), keys, signature, hash chain and block hash tree, each at
    /// its offset. An MDMF publish or in-place update sends these after the segments it (re)wrote.
    /// </summary>
    public IReadOnlyList<(long Offset, byte[] Data)> FieldWrites(int share)
    {
        var o = Version.Offsets;
        var chain = ShareHashChain(share);
        var tree = _blockHashTrees[share];
        return
        [
            (0, Version.Header.ToArray()),
            (o.EncryptedPrivateKey, _encryptedPrivateKey),
            (o.ShareHashChain, chain),
            (o.Signature, _signature),
            (o.VerificationKey, _verifyingKey),
            (o.BlockHashTree, tree),
        ];
    }
}
