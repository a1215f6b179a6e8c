using System.Buffers.Binary;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// The offset table at the start of every immutable share, in Tahoe-LAFS's layout. Version 2
/// (what Granary writes) uses 8-byte fields and puts the data at 0x44; version 1 (Tahoe's default for
/// shares under 4 GiB) uses 4-byte fields and 0x24. After the data come, in this order: the unused
/// plaintext hash tree region, the crypttext hash tree, this share's block hash tree, the share hashes
/// this share needs, and the URI extension block with its length in front.
/// </summary>
public sealed record ShareHeader(
    int Version,
    long BlockSize,
    long DataSize,
    long DataOffset,
    long PlaintextHashTreeOffset,
    long CrypttextHashTreeOffset,
    long BlockHashesOffset,
    long ShareHashesOffset,
    long UriExtensionOffset)
{
    /// <summary>Enough bytes to read the header of either version.</summary>
    public const int MaxSize = 0x44;

    /// <summary>Bytes of a share hash entry: a 2-byte node number and a 32-byte hash.</summary>
    public const int ShareHashEntrySize = 2 + Sha256d.HashSize;

    public int Size => Version == 1 ? 0x24 : 0x44;

    /// <summary>Bytes of the length field in front of the URI extension block.</summary>
    public int UriExtensionLengthSize => Version == 1 ? 4 : 8;

    /// <summary>The header every share of a file encoded with <paramref name="parameters"/> carries.</summary>
    public static ShareHeader For(ChkParameters parameters, int version = 2)
    {
        if (version is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(version), "Share layout versions are 1 and 2.");
        }

        long segmentTree = (long)MerkleTree.NodeCountFor(parameters.SegmentCount) * Sha256d.HashSize;
        long shareHashes = (long)MerkleTree.NeededHashes(0, parameters.N, includeLeaf: true).Length * ShareHashEntrySize;
        var data = version == 1 ? 0x24L : 0x44L;
        var plaintext = data + parameters.ShareDataSize;
        var crypttext = plaintext + segmentTree;
        var blocks = crypttext + segmentTree;
        var shares = blocks + segmentTree;
        var ueb = shares + shareHashes;
        if (version == 1 && ueb + 4 + UriExtension.MaxSerializedLength > uint.MaxValue)
        {
            throw new ArgumentException("A share this large needs layout version 2.", nameof(version));
        }

        return new ShareHeader(version, parameters.BlockSize, parameters.ShareDataSize, data, plaintext, crypttext, blocks, shares, ueb);
    }

    public byte[] Serialize()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Version);
        var fields = new[] { BlockSize, DataSize, DataOffset, PlaintextHashTreeOffset, CrypttextHashTreeOffset, BlockHashesOffset, ShareHashesOffset, UriExtensionOffset };
        for (var i = 0; i < fields.Length; i++)
        {
            if (Version == 1)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), checked((uint)fields[i]));
            }
            else
            {
                BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(4 + 8 * i), (ulong)fields[i]);
            }
        }

        return bytes;
    }

    /// <summary>
    /// Reads a header from the first bytes of a share. Returns false when more bytes are needed;
    /// throws <see cref="FormatException"/> for an unknown version or offsets that cannot be right.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out ShareHeader? header)
    {
        header = null;
        if (bytes.Length < 4)
        {
            return false;
        }

        var version = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (version is not (1 or 2))
        {
            throw new FormatException($"Unknown share layout version {version}.");
        }

        var size = version == 1 ? 0x24 : 0x44;
        if (bytes.Length < size)
        {
            return false;
        }

        Span<long> fields = stackalloc long[8];
        for (var i = 0; i < 8; i++)
        {
            var value = version == 1
                ? BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 + 4 * i)..])
                : BinaryPrimitives.ReadUInt64BigEndian(bytes[(4 + 8 * i)..]);
            if (value > long.MaxValue / 2)
            {
                throw new FormatException("A share header field is out of range.");
            }

            fields[i] = (long)value;
        }

        header = new ShareHeader((int)version, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], fields[7]);
        if (header.DataOffset != size
            || header.PlaintextHashTreeOffset < header.DataOffset + header.DataSize
            || header.CrypttextHashTreeOffset < header.PlaintextHashTreeOffset
            || header.BlockHashesOffset < header.CrypttextHashTreeOffset
            || header.ShareHashesOffset < header.BlockHashesOffset
            || header.UriExtensionOffset < header.ShareHashesOffset)
        {
            throw new FormatException("The share header's offsets are not in layout order.");
        }

        return true;
    }

    public long BlockOffset(int segment) => DataOffset + segment * BlockSize;

    /// <summary>Bytes from the start of the share to the end of its URI extension block.</summary>
    public long ShareSize(int uriExtensionLength) => UriExtensionOffset + UriExtensionLengthSize + uriExtensionLength;
}
