using Granary.Core.Caps;

namespace Granary.Core.Mutable;

/// <summary>
/// One whole share of a mutable file, split into its fields by the offsets in its header
/// (mutable-dirnode §8, §9). Bytes past the end offset — stale data a server keeps after a share
/// shrank — are ignored. Parsing checks structure only; <see cref="Validate"/> checks the content.
/// </summary>
public sealed class MutableShare
{
    private readonly ReadOnlyMemory<byte> _bytes;

    private MutableShare(int shareNumber, MutableVersion version, ReadOnlyMemory<byte> bytes)
    {
        ShareNumber = shareNumber;
        Version = version;
        _bytes = bytes;
    }

    /// <summary>The share's number (not stored in the share: it is the share file's name on the server).</summary>
    public int ShareNumber { get; }

    public MutableVersion Version { get; }

    public ReadOnlyMemory<byte> VerifyingKeyDer => Field(Version.Offsets.VerificationKey, Version.Offsets.VerificationKeyEnd);

    public ReadOnlyMemory<byte> Signature => Version.Format == MutableFormat.Sdmf
        ? Field(Version.Offsets.Signature, Version.Offsets.ShareHashChain)
        : Field(Version.Offsets.Signature, Version.Offsets.VerificationKey);

    /// <summary>The share hash chain as stored: <c>u16 node || hash</c> entries.</summary>
    public ReadOnlyMemory<byte> ShareHashChain => Version.Format == MutableFormat.Sdmf
        ? Field(Version.Offsets.ShareHashChain, Version.Offsets.BlockHashTree)
        : Field(Version.Offsets.ShareHashChain, Version.Offsets.Signature);

    /// <summary>The block hash tree as stored: the full node array.</summary>
    public ReadOnlyMemory<byte> BlockHashTree => Version.Format == MutableFormat.Sdmf
        ? Field(Version.Offsets.BlockHashTree, Version.Offsets.ShareData)
        : Field(Version.Offsets.BlockHashTree, Version.Offsets.EndOfShare);

    /// <summary>Every segment's data in order (salt and block for MDMF, the block for SDMF).</summary>
    public ReadOnlyMemory<byte> ShareData => Version.Format == MutableFormat.Sdmf
        ? Field(Version.Offsets.ShareData, Version.Offsets.EncryptedPrivateKey)
        : Field(Version.Offsets.ShareData, Version.Offsets.BlockHashTree);

    public ReadOnlyMemory<byte> EncryptedPrivateKey => Version.Format == MutableFormat.Sdmf
        ? Field(Version.Offsets.EncryptedPrivateKey, Version.Offsets.EndOfShare)
        : Field(Version.Offsets.EncryptedPrivateKey, Version.Offsets.ShareHashChain);

    /// <summary>The share's bytes up to its end offset.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>
    /// Splits share <paramref name="shareNumber"/>'s bytes (a container's data region, possibly with
    /// stale bytes after the end). Throws <see cref="MutableShareFormatException"/> when they cannot be a share.
    /// </summary>
    public static MutableShare Parse(int shareNumber, ReadOnlyMemory<byte> bytes)
    {
        if (!MutableVersion.TryParse(bytes.Span, out var version))
        {
            throw new MutableShareFormatException($"Share {shareNumber} has {bytes.Length} bytes, too few for its header.");
        }

        var end = version!.Offsets.EndOfShare;
        if (bytes.Length < end)
        {
            throw new MutableShareFormatException($"Share {shareNumber} is {bytes.Length} bytes but its header says it ends at {end}.");
        }

        return new MutableShare(shareNumber, version, bytes[..(int)end]);
    }

    /// <summary>The salt of <paramref name="segment"/>: stored before its block in MDMF, the header's in SDMF.</summary>
    public ReadOnlySpan<byte> SaltOf(int segment) =>
        Version.Format == MutableFormat.Sdmf ? Version.Salt : SegmentData(segment)[..MutableParameters.SaltSize];

    /// <summary>Share j's block of <paramref name="segment"/>.</summary>
    public ReadOnlySpan<byte> BlockOf(int segment) =>
        SegmentData(segment)[(Version.Format == MutableFormat.Mdmf ? MutableParameters.SaltSize : 0)..];

    /// <summary>What the share stores for <paramref name="segment"/>: salt and block (MDMF) or the block (SDMF).</summary>
    public ReadOnlySpan<byte> SegmentData(int segment)
    {
        var p = Version.Parameters;
        return ShareData.Span.Slice((int)p.SegmentDataOffset(segment), p.SegmentDataLength(segment));
    }

    /// <summary>
    /// Every reader check (§10 steps 1–4): public key against the cap's fingerprint, signature,
    /// block hash tree and chain up to the signed root, and every segment's block. Returns the
    /// verified public key. Throws <see cref="Chk.CorruptShareException"/>.
    /// </summary>
    public VerifyingKey Validate(ReadOnlySpan<byte> fingerprint)
    {
        var key = MutableShareValidation.CheckVerifyingKey(ShareNumber, VerifyingKeyDer.Span, fingerprint);
        MutableShareValidation.CheckSignature(ShareNumber, Version, key, Signature.Span);
        MutableShareValidation.CheckBlockHashTree(ShareNumber, Version, BlockHashTree.Span, ShareHashChain.Span);
        for (var s = 0; s < Version.Parameters.SegmentCount; s++)
        {
            MutableShareValidation.CheckSegment(ShareNumber, Version, BlockHashTree.Span, s, SegmentData(s));
        }

        return key;
    }

    /// <summary>The writer's extra check (§10 step 5): returns the file's private key, recovered from this share.</summary>
    public SigningKey RecoverPrivateKey(MutableWriteCap cap) =>
        MutableShareValidation.CheckPrivateKey(ShareNumber, cap, EncryptedPrivateKey.Span);

    private ReadOnlyMemory<byte> Field(long start, long end) => _bytes[(int)start..(int)end];
}
