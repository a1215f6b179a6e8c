namespace Granary.Core.Mutable;

/// <summary>
/// Where each field of a share starts (mutable-dirnode §8, §9). The two layouts order the fields
/// differently — SDMF: public key, signature, chain, block hash tree, data, private key; MDMF:
/// private key, chain, signature, public key, zero gap, data at 2167, block hash tree — but both
/// are described by the same eight offsets. In SDMF the public key is implied to start at 107 and
/// end at the signature.
/// </summary>
public sealed record MutableShareOffsets(
    long EncryptedPrivateKey,
    long ShareHashChain,
    long Signature,
    long VerificationKey,
    long VerificationKeyEnd,
    long ShareData,
    long BlockHashTree,
    long EndOfShare)
{
    /// <summary>Bytes of the SDMF header: signed prefix (75) and offset table (4 × u32, 2 × u64).</summary>
    public const int SdmfHeaderSize = 107;

    /// <summary>Bytes of the MDMF header: signed prefix (59) and offset table (8 × u64).</summary>
    public const int MdmfHeaderSize = 123;

    /// <summary>Where MDMF share data starts, whatever the key sizes: 123 + 1220 + 260 + 292 + 272.</summary>
    public const int MdmfShareData = 2167;

    private const int HashSize = MutableSecrets.HashSize;
    private const int ChainEntrySize = 2 + HashSize;

    /// <summary>The offsets a writer lays a share out with.</summary>
    public static MutableShareOffsets Compute(MutableParameters parameters, int encryptedPrivateKeyLength, int verificationKeyLength, int signatureLength)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var chain = (long)ChainEntrySize * parameters.ShareHashChainLength;
        var blockHashTree = (long)HashSize * parameters.BlockHashTreeNodeCount;
        if (parameters.Format == MutableFormat.Sdmf)
        {
            long signature = SdmfHeaderSize + verificationKeyLength;
            var shareHashChain = signature + signatureLength;
            var tree = shareHashChain + chain;
            var data = tree + blockHashTree;
            var privateKey = data + parameters.ShareDataLength;
            return new MutableShareOffsets(privateKey, shareHashChain, signature, SdmfHeaderSize, signature, data, tree, privateKey + encryptedPrivateKeyLength);
        }

        long mdmfChain = MdmfHeaderSize + encryptedPrivateKeyLength;
        var mdmfSignature = mdmfChain + chain;
        var key = mdmfSignature + signatureLength;
        var keyEnd = key + verificationKeyLength;
        if (keyEnd > MdmfShareData)
        {
            throw new ArgumentException($"The keys and hash chain end at {keyEnd}, past the fixed start of MDMF share data ({MdmfShareData}).");
        }

        var mdmfTree = MdmfShareData + parameters.ShareDataLength;
        return new MutableShareOffsets(MdmfHeaderSize, mdmfChain, mdmfSignature, key, keyEnd, MdmfShareData, mdmfTree, mdmfTree + blockHashTree);
    }
}
