using System.Buffers.Binary;
using Granary.Core.Caps;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// Everything each share of an encoded CHK file carries besides its blocks: the URI extension block
/// and the hash trees, and the bytes each share holds after its blocks. Nothing here needs the read
/// key, so a holder of the verify cap alone can rebuild it (<see cref="ChkShareRebuilder"/>).
/// </summary>
public class ChkShares
{
    internal ChkShares(
        ChkVerifyCap verifyCap,
        UriExtension uriExtension,
        byte[] uriExtensionBytes,
        MerkleTree crypttextHashTree,
        MerkleTree[] blockHashTrees,
        MerkleTree shareHashTree)
    {
        VerifyCap = verifyCap;
        UriExtension = uriExtension;
        UriExtensionBytes = uriExtensionBytes;
        CrypttextHashTree = crypttextHashTree;
        BlockHashTrees = blockHashTrees;
        ShareHashTree = shareHashTree;
        Header = ShareHeader.For(uriExtension.Parameters);
    }

    public ChkVerifyCap VerifyCap { get; }

    public StorageIndex StorageIndex => VerifyCap.StorageIndex;

    public ChkParameters Parameters => UriExtension.Parameters;

    public UriExtension UriExtension { get; }

    public byte[] UriExtensionBytes { get; }

    public MerkleTree CrypttextHashTree { get; }

    public IReadOnlyList<MerkleTree> BlockHashTrees { get; }

    public MerkleTree ShareHashTree { get; }

    /// <summary>The offset table every share of this file starts with.</summary>
    public ShareHeader Header { get; }

    /// <summary>Total bytes of each share: header, blocks and trailer.</summary>
    public long ShareSize => Header.ShareSize(UriExtensionBytes.Length);

    /// <summary>
    /// The share hashes share <paramref name="share"/> carries: the nodes of the share hash tree a
    /// reader needs to check this share's block-tree root against the root in the UEB, leaf included,
    /// each as a 2-byte node number and the hash.
    /// </summary>
    public byte[] ShareHashes(int share)
    {
        var needed = MerkleTree.NeededHashes(share, Parameters.N, includeLeaf: true);
        var bytes = new byte[needed.Length * ShareHeader.ShareHashEntrySize];
        for (var i = 0; i < needed.Length; i++)
        {
            var entry = bytes.AsSpan(i * ShareHeader.ShareHashEntrySize, ShareHeader.ShareHashEntrySize);
            BinaryPrimitives.WriteUInt16BigEndian(entry, (ushort)needed[i]);
            ShareHashTree.GetNode(needed[i]).CopyTo(entry[2..]);
        }

        return bytes;
    }

    /// <summary>
    /// The bytes share <paramref name="share"/> holds after its blocks, from the (unused, zero)
    /// plaintext hash tree region to the end of the URI extension block.
    /// </summary>
    public byte[] Trailer(int share)
    {
        var header = Header;
        var start = header.PlaintextHashTreeOffset;
        var trailer = new byte[ShareSize - start];
        CrypttextHashTree.Nodes.CopyTo(trailer.AsSpan((int)(header.CrypttextHashTreeOffset - start)));
        BlockHashTrees[share].Nodes.CopyTo(trailer.AsSpan((int)(header.BlockHashesOffset - start)));
        ShareHashes(share).CopyTo(trailer.AsSpan((int)(header.ShareHashesOffset - start)));
        var extension = trailer.AsSpan((int)(header.UriExtensionOffset - start));
        BinaryPrimitives.WriteUInt64BigEndian(extension, (ulong)UriExtensionBytes.Length);
        UriExtensionBytes.CopyTo(extension[header.UriExtensionLengthSize..]);
        return trailer;
    }
}
