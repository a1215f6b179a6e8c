using Granary.Core.Caps;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// Everything an encoded CHK file is besides its blocks: the caps, the URI extension block and the
/// hash trees, and the bytes each share carries after its blocks.
/// </summary>
public sealed class ChkEncoding : ChkShares
{
    internal ChkEncoding(
        ChkReadCap readCap,
        UriExtension uriExtension,
        byte[] uriExtensionBytes,
        MerkleTree crypttextHashTree,
        MerkleTree[] blockHashTrees,
        MerkleTree shareHashTree)
        : base(readCap.VerifyCap, uriExtension, uriExtensionBytes, crypttextHashTree, blockHashTrees, shareHashTree) =>
        ReadCap = readCap;

    public ChkReadCap ReadCap { get; }
}
