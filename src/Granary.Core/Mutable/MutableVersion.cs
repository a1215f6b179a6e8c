using System.Buffers.Binary;

namespace Granary.Core.Mutable;

/// <summary>
/// One version of a mutable file, as the header of each of its shares states it (Tahoe's
/// "verinfo", mutable-dirnode §13): seqnum, root hash, salt (SDMF only), segment size, length, k, N,
/// the signed prefix and the offset table. Shares belong to the same version exactly when their
/// headers are byte-equal, so the header bytes are this type's identity. Versions order as Tahoe's
/// tuples do: by seqnum, then by root hash as bytes, then by the remaining fields.
/// </summary>
public sealed class MutableVersion : IEquatable<MutableVersion>, IComparable<MutableVersion>
{
    private const int HashSize = MutableSecrets.HashSize;
    private const int SaltSize = MutableParameters.SaltSize;
    private const int SdmfPrefixSize = 75;
    private const int MdmfPrefixSize = 59;
    /// <summary>Bytes of an SDMF checkstring (version, seqnum, root hash, salt): what a writer tests before overwriting.</summary>
    public const int SdmfCheckstringSize = 57;

    /// <summary>Bytes of an MDMF checkstring (version, seqnum, root hash).</summary>
    public const int MdmfCheckstringSize = 41;

    private readonly byte[] _header;

    private MutableVersion(byte[] header, MutableParameters parameters, MutableShareOffsets offsets)
    {
        _header = header;
        Parameters = parameters;
        Offsets = offsets;
    }

    public MutableFormat Format => Parameters.Format;

    /// <summary>Sequence number: a new version has one more than the highest seen.</summary>
    public ulong Seqnum => BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(1));

    /// <summary>Root of the share hash tree, which vouches for every block of every share.</summary>
    public ReadOnlySpan<byte> RootHash => _header.AsSpan(9, HashSize);

    /// <summary>The SDMF salt ("IV") of the version's single segment; empty for MDMF, whose salts are per segment.</summary>
    public ReadOnlySpan<byte> Salt => Format == MutableFormat.Sdmf ? _header.AsSpan(41, SaltSize) : default;

    public MutableParameters Parameters { get; }

    public MutableShareOffsets Offsets { get; }

    /// <summary>The bytes the signature covers: version byte through data length (75 bytes SDMF, 59 MDMF).</summary>
    public ReadOnlySpan<byte> SignedPrefix => _header.AsSpan(0, Format == MutableFormat.Sdmf ? SdmfPrefixSize : MdmfPrefixSize);

    /// <summary>The offset table as stored (unsigned, but part of the identity).</summary>
    public ReadOnlySpan<byte> OffsetTable => _header.AsSpan(SignedPrefix.Length);

    /// <summary>The whole header: signed prefix and offset table, 107 bytes SDMF, 123 MDMF.</summary>
    public ReadOnlySpan<byte> Header => _header;

    /// <summary>What a writer tests a share against before replacing it: 57 bytes SDMF (with the salt), 41 MDMF.</summary>
    public ReadOnlySpan<byte> Checkstring => _header.AsSpan(0, Format == MutableFormat.Sdmf ? SdmfCheckstringSize : MdmfCheckstringSize);

    /// <summary>Header bytes of a share in <paramref name="format"/>.</summary>
    public static int HeaderSize(MutableFormat format) =>
        format == MutableFormat.Sdmf ? MutableShareOffsets.SdmfHeaderSize : MutableShareOffsets.MdmfHeaderSize;

    /// <summary>
    /// Reads the header at the start of a share. Returns false when <paramref name="share"/> is too
    /// short to hold it (read more); throws <see cref="MutableShareFormatException"/> when it cannot be a header.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> share, out MutableVersion? version)
    {
        version = null;
        if (share.Length == 0)
        {
            return false;
        }

        var format = share[0] switch
        {
            0 => MutableFormat.Sdmf,
            1 => MutableFormat.Mdmf,
            _ => throw new MutableShareFormatException($"Share version byte {share[0]} is neither SDMF (0) nor MDMF (1)."),
        };
        var size = HeaderSize(format);
        if (share.Length < size)
        {
            return false;
        }

        var header = share[..size].ToArray();
        var parameters = ReadParameters(format, header);
        var offsets = ReadOffsets(format, header);
        CheckOffsets(format, parameters, offsets);
        version = new MutableVersion(header, parameters, offsets);
        return true;
    }

    /// <summary>Reads the header at the start of a share that is known to be long enough.</summary>
    public static MutableVersion Parse(ReadOnlySpan<byte> share) =>
        TryParse(share, out var version) ? version! : throw new MutableShareFormatException($"{share.Length} bytes are too few for a share header.");

    /// <summary>The header a writer puts on every share of a new version.</summary>
    public static MutableVersion Create(MutableParameters parameters, ulong seqnum, ReadOnlySpan<byte> rootHash, ReadOnlySpan<byte> sdmfSalt, MutableShareOffsets offsets)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(offsets);
        if (rootHash.Length != HashSize)
        {
            throw new ArgumentException($"The root hash is {HashSize} bytes.", nameof(rootHash));
        }

        if (sdmfSalt.Length != (parameters.Format == MutableFormat.Sdmf ? SaltSize : 0))
        {
            throw new ArgumentException("An SDMF version has one 16-byte salt in its header; an MDMF version none.", nameof(sdmfSalt));
        }

        var header = new byte[HeaderSize(parameters.Format)];
        var span = header.AsSpan();
        span[0] = (byte)parameters.Format;
        BinaryPrimitives.WriteUInt64BigEndian(span[1..], seqnum);
        rootHash.CopyTo(span[9..]);
        var at = 41;
        if (parameters.Format == MutableFormat.Sdmf)
        {
            sdmfSalt.CopyTo(span[at..]);
            at += SaltSize;
        }

        span[at] = (byte)parameters.K;
        span[at + 1] = (byte)parameters.N;
        BinaryPrimitives.WriteUInt64BigEndian(span[(at + 2)..], (ulong)parameters.SegmentSize);
        BinaryPrimitives.WriteUInt64BigEndian(span[(at + 10)..], (ulong)parameters.DataLength);
        at += 18;
        if (parameters.Format == MutableFormat.Sdmf)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[at..], checked((uint)offsets.Signature));
            BinaryPrimitives.WriteUInt32BigEndian(span[(at + 4)..], checked((uint)offsets.ShareHashChain));
            BinaryPrimitives.WriteUInt32BigEndian(span[(at + 8)..], checked((uint)offsets.BlockHashTree));
            BinaryPrimitives.WriteUInt32BigEndian(span[(at + 12)..], checked((uint)offsets.ShareData));
            BinaryPrimitives.WriteUInt64BigEndian(span[(at + 16)..], (ulong)offsets.EncryptedPrivateKey);
            BinaryPrimitives.WriteUInt64BigEndian(span[(at + 24)..], (ulong)offsets.EndOfShare);
        }
        else
        {
            long[] table =
            [
                offsets.EncryptedPrivateKey, offsets.ShareHashChain, offsets.Signature, offsets.VerificationKey,
                offsets.VerificationKeyEnd, offsets.ShareData, offsets.BlockHashTree, offsets.EndOfShare,
            ];
            for (var i = 0; i < table.Length; i++)
            {
                BinaryPrimitives.WriteUInt64BigEndian(span[(at + 8 * i)..], (ulong)table[i]);
            }
        }

        CheckOffsets(parameters.Format, parameters, offsets);
        return new MutableVersion(header, parameters, offsets);
    }

    public bool Equals(MutableVersion? other) => other is not null && _header.AsSpan().SequenceEqual(other._header);

    public override bool Equals(object? obj) => Equals(obj as MutableVersion);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(_header);
        return hash.ToHashCode();
    }

    /// <summary>Tahoe's verinfo tuple order: seqnum, root hash, salt, segment size, length, k, N, prefix, offsets.</summary>
    public int CompareTo(MutableVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var order = Seqnum.CompareTo(other.Seqnum);
        if (order == 0)
        {
            order = RootHash.SequenceCompareTo(other.RootHash);
        }

        if (order == 0)
        {
            order = Salt.SequenceCompareTo(other.Salt);
        }

        if (order == 0)
        {
            order = Parameters.SegmentSize.CompareTo(other.Parameters.SegmentSize);
        }

        if (order == 0)
        {
            order = Parameters.DataLength.CompareTo(other.Parameters.DataLength);
        }

        if (order == 0)
        {
            order = Parameters.K.CompareTo(other.Parameters.K);
        }

        if (order == 0)
        {
            order = Parameters.N.CompareTo(other.Parameters.N);
        }

        if (order == 0)
        {
            order = SignedPrefix.SequenceCompareTo(other.SignedPrefix);
        }

        return order != 0 ? order : OffsetTable.SequenceCompareTo(other.OffsetTable);
    }

    public override string ToString() =>
        $"seqnum {Seqnum}, root {Convert.ToHexStringLower(RootHash)[..12]}…, {Format} {Parameters.K}-of-{Parameters.N}, {Parameters.DataLength} bytes";

    public static bool operator ==(MutableVersion? left, MutableVersion? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(MutableVersion? left, MutableVersion? right) => !(left == right);

    public static bool operator <(MutableVersion? left, MutableVersion? right) => Compare(left, right) < 0;

    public static bool operator <=(MutableVersion? left, MutableVersion? right) => Compare(left, right) <= 0;

    public static bool operator >(MutableVersion? left, MutableVersion? right) => Compare(left, right) > 0;

    public static bool operator >=(MutableVersion? left, MutableVersion? right) => Compare(left, right) >= 0;

    private static int Compare(MutableVersion? left, MutableVersion? right) => left is null ? (right is null ? 0 : -1) : left.CompareTo(right);

    private static MutableParameters ReadParameters(MutableFormat format, ReadOnlySpan<byte> header)
    {
        var at = format == MutableFormat.Sdmf ? 57 : 41;
        var segmentSize = ReadLength(header[(at + 2)..], "segment size");
        var dataLength = ReadLength(header[(at + 10)..], "data length");
        try
        {
            return new MutableParameters(format, header[at], header[at + 1], segmentSize, dataLength);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new MutableShareFormatException($"The share header's parameters are impossible: {e.Message}", e);
        }
    }

    private static MutableShareOffsets ReadOffsets(MutableFormat format, ReadOnlySpan<byte> header)
    {
        if (format == MutableFormat.Sdmf)
        {
            long signature = BinaryPrimitives.ReadUInt32BigEndian(header[75..]);
            long chain = BinaryPrimitives.ReadUInt32BigEndian(header[79..]);
            long tree = BinaryPrimitives.ReadUInt32BigEndian(header[83..]);
            long data = BinaryPrimitives.ReadUInt32BigEndian(header[87..]);
            var privateKey = ReadLength(header[91..], "private key offset");
            var end = ReadLength(header[99..], "end offset");
            return new MutableShareOffsets(privateKey, chain, signature, MutableShareOffsets.SdmfHeaderSize, signature, data, tree, end);
        }

        Span<long> o = stackalloc long[8];
        for (var i = 0; i < 8; i++)
        {
            o[i] = ReadLength(header[(59 + 8 * i)..], "offset");
        }

        return new MutableShareOffsets(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]);
    }

    private static void CheckOffsets(MutableFormat format, MutableParameters parameters, MutableShareOffsets o)
    {
        // Each field runs from its offset to the next one's, so the offsets must ascend in file order.
        ReadOnlySpan<long> order = format == MutableFormat.Sdmf
            ? [MutableShareOffsets.SdmfHeaderSize, o.Signature, o.ShareHashChain, o.BlockHashTree, o.ShareData, o.EncryptedPrivateKey, o.EndOfShare]
            : [MutableShareOffsets.MdmfHeaderSize, o.EncryptedPrivateKey, o.ShareHashChain, o.Signature, o.VerificationKey, o.VerificationKeyEnd, o.ShareData, o.BlockHashTree, o.EndOfShare];
        for (var i = 1; i < order.Length; i++)
        {
            if (order[i] < order[i - 1])
            {
                throw new MutableShareFormatException($"The share's offsets are out of order: {string.Join(", ", order.ToArray())}.");
            }
        }

        var data = format == MutableFormat.Sdmf ? o.EncryptedPrivateKey - o.ShareData : o.BlockHashTree - o.ShareData;
        if (data != parameters.ShareDataLength)
        {
            throw new MutableShareFormatException(
                $"The share's data region is {data} bytes; {parameters.Format} {parameters.K}-of-{parameters.N} with {parameters.DataLength} bytes in {parameters.SegmentSize}-byte segments needs {parameters.ShareDataLength}.");
        }
    }

    private static long ReadLength(ReadOnlySpan<byte> bytes, string name)
    {
        var value = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        return value <= long.MaxValue ? (long)value : throw new MutableShareFormatException($"The share's {name} {value} is too large.");
    }
}
