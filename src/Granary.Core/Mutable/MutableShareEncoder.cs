using System.Buffers;
using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Crypto;
using Granary.Core.Erasure;
using Granary.Core.Hashing;

namespace Granary.Core.Mutable;

/// <summary>
/// Builds the N shares of one new version of a mutable file (mutable-dirnode §6–§10).
/// </summary>
/// <remarks>
/// Design: a version is built segment by segment, so an MDMF file of any size streams. Each call
/// to <see cref="EncodeSegment"/> encrypts one segment under its salt's data key, erasure-codes it
/// and returns the bytes each share holds for it (salt and block for MDMF, the block for SDMF),
/// which can be written to the servers at once; the encoder keeps only one 32-byte leaf hash per
/// share and segment. A segment that an in-place update leaves alone is not re-encoded at all:
/// <see cref="KeepSegment"/> takes its leaves from the old block hash trees (§15). When every
/// segment is accounted for, <see cref="Finish"/> builds the block hash trees, the share hash tree
/// and the signed header, and returns everything else each share needs.
/// Segments may come in any order, and different segments may be encoded on different threads at
/// once. Salts must be fresh for every segment that is (re)written; the
/// caller supplies them so that tests can reproduce Tahoe's shares — <see cref="NewSalt"/> makes one.
/// </remarks>
public sealed class MutableShareEncoder
{
    private const int HashSize = MutableSecrets.HashSize;
    private const int SaltSize = MutableParameters.SaltSize;

    private readonly MutableWriteCap _cap;
    private readonly byte[] _sdmfSalt;
    private readonly ReedSolomonCodec _codec;

    // Leaf hash of share j, segment s at (j · SegmentCount + s) · 32: one share's leaves are contiguous.
    private readonly byte[] _leaves;
    private readonly bool[] _segmentDone;
    private int _segmentsLeft;

    /// <param name="cap">The file's write cap; its format must be the parameters' format.</param>
    /// <param name="parameters">The new version's parameters (<see cref="MutableParameters.ForNewVersion"/>).</param>
    /// <param name="sdmfSalt">SDMF only: the version's salt (an empty SDMF file has one too). Empty for MDMF.</param>
    public MutableShareEncoder(MutableWriteCap cap, MutableParameters parameters, ReadOnlySpan<byte> sdmfSalt = default)
    {
        ArgumentNullException.ThrowIfNull(cap);
        ArgumentNullException.ThrowIfNull(parameters);
        if (cap.Format != parameters.Format)
        {
            throw new ArgumentException($"The cap is {cap.Format} but the parameters are {parameters.Format}.", nameof(parameters));
        }

        if (sdmfSalt.Length != (parameters.Format == MutableFormat.Sdmf ? SaltSize : 0))
        {
            throw new ArgumentException("An SDMF version needs one 16-byte salt; an MDMF version takes its salts per segment.", nameof(sdmfSalt));
        }

        _cap = cap;
        _sdmfSalt = sdmfSalt.ToArray();
        Parameters = parameters;
        _codec = ReedSolomonCodec.Get(parameters.K, parameters.N);
        _leaves = new byte[checked(parameters.N * parameters.SegmentCount * HashSize)];
        _segmentDone = new bool[parameters.SegmentCount];
        _segmentsLeft = parameters.SegmentCount;
    }

    public MutableParameters Parameters { get; }

    /// <summary>16 bytes from the system CSPRNG: a salt for one segment (MDMF) or one version (SDMF).</summary>
    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltSize);

    /// <summary>
    /// Encodes one whole version in memory: every share complete, ready to write at offset 0.
    /// <paramref name="salts"/> (tests) gives the salts to use — one for SDMF, one per segment for
    /// MDMF; otherwise fresh ones are drawn.
    /// </summary>
    public static MutableEncodedVersion EncodeFile(
        SigningKey key, MutableWriteCap cap, ReadOnlySpan<byte> plaintext, int k, int n, ulong seqnum, IReadOnlyList<byte[]>? salts = null)
    {
        ArgumentNullException.ThrowIfNull(cap);
        var parameters = MutableParameters.ForNewVersion(cap.Format, k, n, plaintext.Length);
        var saltCount = parameters.Format == MutableFormat.Sdmf ? 1 : parameters.SegmentCount;
        if (salts is not null && salts.Count != saltCount)
        {
            throw new ArgumentException($"This version takes {saltCount} salts, not {salts.Count}.", nameof(salts));
        }

        byte[] SaltOf(int i) => salts?[i] ?? NewSalt();
        var encoder = new MutableShareEncoder(cap, parameters, parameters.Format == MutableFormat.Sdmf ? SaltOf(0) : default);
        var segmentData = new byte[parameters.SegmentCount == 0 ? 0 : parameters.N * parameters.SegmentDataLength(0)];
        var shareData = new byte[parameters.N][];
        for (var j = 0; j < parameters.N; j++)
        {
            shareData[j] = new byte[parameters.ShareDataLength];
        }

        for (var s = 0; s < parameters.SegmentCount; s++)
        {
            var stride = parameters.SegmentDataLength(s);
            var salt = parameters.Format == MutableFormat.Mdmf ? SaltOf(s) : encoder._sdmfSalt;
            encoder.EncodeSegment(s, plaintext.Slice((int)parameters.SegmentOffset(s), parameters.SegmentLengthOf(s)), salt, segmentData);
            var at = (int)parameters.SegmentDataOffset(s);
            for (var j = 0; j < parameters.N; j++)
            {
                segmentData.AsSpan(j * stride, stride).CopyTo(shareData[j].AsSpan(at));
            }
        }

        var signed = encoder.Finish(key, seqnum);
        var shares = new byte[parameters.N][];
        for (var j = 0; j < parameters.N; j++)
        {
            shares[j] = signed.AssembleShare(j, shareData[j]);
        }

        return new MutableEncodedVersion(signed, shares);
    }

    /// <summary>
    /// Encrypts and erasure-codes <paramref name="segment"/>. <paramref name="shareData"/> receives
    /// what each share stores for it, share j's <c>SegmentDataLength(segment)</c> bytes at
    /// <c>j · SegmentDataLength(segment)</c>: to be written at
    /// <c>Offsets.ShareData + SegmentDataOffset(segment)</c> of share j.
    /// </summary>
    /// <param name="plaintext">Exactly the segment's plaintext (<see cref="MutableParameters.SegmentLengthOf"/>).</param>
    /// <param name="salt">MDMF: this segment's fresh salt. SDMF: the version's salt again.</param>
    public void EncodeSegment(int segment, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> salt, Span<byte> shareData)
    {
        var p = Parameters;
        var blockSize = p.BlockSizeOf(segment);
        var stride = p.SegmentDataLength(segment);
        if (plaintext.Length != p.SegmentLengthOf(segment))
        {
            throw new ArgumentException($"Segment {segment} is {p.SegmentLengthOf(segment)} bytes, not {plaintext.Length}.", nameof(plaintext));
        }

        if (shareData.Length < p.N * stride)
        {
            throw new ArgumentException($"Segment {segment} needs {p.N} × {stride} bytes of share data.", nameof(shareData));
        }

        if (salt.Length != SaltSize || (p.Format == MutableFormat.Sdmf && !salt.SequenceEqual(_sdmfSalt)))
        {
            throw new ArgumentException(p.Format == MutableFormat.Sdmf ? "An SDMF segment uses the version's salt." : "A salt is 16 bytes.", nameof(salt));
        }

        var dataLength = p.K * blockSize;
        var data = ArrayPool<byte>.Shared.Rent(Math.Max(1, dataLength));
        var parity = ArrayPool<byte>.Shared.Rent(Math.Max(1, (p.N - p.K) * blockSize));
        try
        {
            Span<byte> dataKey = stackalloc byte[MutableSecrets.KeySize];
            MutableSecrets.DataKey(_cap.ReadKey, salt, dataKey);
            using (var aes = new AesCtr(dataKey))
            {
                aes.Transform(0, plaintext, data);
            }

            // The last piece is zero-padded; readers cut the decoded segment back to its length.
            data.AsSpan(plaintext.Length, dataLength - plaintext.Length).Clear();
            _codec.Encode(data.AsSpan(0, dataLength), parity.AsSpan(0, (p.N - p.K) * blockSize), blockSize);
            var saltSize = p.Format == MutableFormat.Mdmf ? SaltSize : 0;
            for (var j = 0; j < p.N; j++)
            {
                var block = j < p.K ? data.AsSpan(j * blockSize, blockSize) : parity.AsSpan((j - p.K) * blockSize, blockSize);
                var destination = shareData.Slice(j * stride, stride);
                salt[..saltSize].CopyTo(destination);
                block.CopyTo(destination[saltSize..]);

                // MDMF's leaf covers the salt: H(BLOCK, salt || block), which is exactly what was just laid out.
                HashTag.Block.Hash(destination, LeafOf(j, segment));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
            ArrayPool<byte>.Shared.Return(parity);
        }

        MarkDone(segment);
    }

    /// <summary>
    /// Accounts for a segment that is not rewritten (an MDMF in-place update keeps its salt and
    /// blocks): <paramref name="leafHashes"/> holds share j's leaf for it at <c>j · 32</c>, read from
    /// the old version's block hash trees (<see cref="MdmfUpdate.CopyLeaves"/>).
    /// </summary>
    public void KeepSegment(int segment, ReadOnlySpan<byte> leafHashes)
    {
        if (leafHashes.Length != Parameters.N * HashSize)
        {
            throw new ArgumentException($"A kept segment needs one 32-byte leaf per share ({Parameters.N}).", nameof(leafHashes));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(segment);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(segment, Parameters.SegmentCount);
        for (var j = 0; j < Parameters.N; j++)
        {
            leafHashes.Slice(j * HashSize, HashSize).CopyTo(LeafOf(j, segment));
        }

        MarkDone(segment);
    }

    /// <summary>
    /// Builds the hash trees and the header with <paramref name="seqnum"/>, and signs it with
    /// <paramref name="key"/>, which must be the cap's key. Every segment must have been encoded or kept.
    /// </summary>
    public MutableSignedVersion Finish(SigningKey key, ulong seqnum)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_segmentsLeft != 0)
        {
            throw new InvalidOperationException($"{_segmentsLeft} of {Parameters.SegmentCount} segments are neither encoded nor kept.");
        }

        if (!_cap.Matches(key))
        {
            throw new ArgumentException("The signing key is not the key of this cap's file.", nameof(key));
        }

        var p = Parameters;
        var blockHashTrees = new byte[p.N][];
        var roots = new byte[p.N * HashSize];
        for (var j = 0; j < p.N; j++)
        {
            blockHashTrees[j] = BlockHashTreeOf(j);
            blockHashTrees[j].AsSpan(0, HashSize).CopyTo(roots.AsSpan(j * HashSize));
        }

        var shareHashTree = MerkleTree.Build(roots);
        var encryptedPrivateKey = MutableSecrets.CryptPrivateKey(_cap.WriteKey, key.PrivateKeyDer);
        var offsets = MutableShareOffsets.Compute(p, encryptedPrivateKey.Length, key.VerifyingKey.Der.Length, SigningKey.SignatureSize);
        var version = MutableVersion.Create(p, seqnum, shareHashTree.Root, _sdmfSalt, offsets);
        var signature = key.Sign(version.SignedPrefix);
        return new MutableSignedVersion(version, signature, key.VerifyingKey.Der.ToArray(), encryptedPrivateKey, blockHashTrees, shareHashTree);
    }

    private byte[] BlockHashTreeOf(int share)
    {
        var count = Parameters.SegmentCount;
        if (count == 0)
        {
            var empty = new byte[HashSize];
            MerkleTree.EmptyLeaf(0, empty);
            return empty;
        }

        return MerkleTree.Build(_leaves.AsSpan(share * count * HashSize, count * HashSize)).Nodes.ToArray();
    }

    private Span<byte> LeafOf(int share, int segment) => _leaves.AsSpan((share * Parameters.SegmentCount + segment) * HashSize, HashSize);

    // Segments may be encoded on several threads at once; only this bookkeeping is shared.
    private void MarkDone(int segment)
    {
        lock (_segmentDone)
        {
            if (!_segmentDone[segment])
            {
                _segmentDone[segment] = true;
                _segmentsLeft--;
            }
        }
    }
}
