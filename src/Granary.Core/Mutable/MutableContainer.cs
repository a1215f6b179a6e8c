using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Granary.Core.Hashing;

namespace Granary.Core.Mutable;

/// <summary>
/// A Tahoe-LAFS storage server's file for one mutable share (mutable-dirnode §11.2): a header with
/// the creating server's node id, the write enabler and four lease slots, then the share bytes
/// (the data region, from byte 468), then any extra leases. Clients only ever see the data region.
/// Schema 1 stores lease secrets in clear; schema 2 (what Tahoe creates) stores their BLAKE2b-256
/// hashes. This type reads both, creates empty containers byte-identical to Tahoe's, and applies
/// the data-region write rules.
/// </summary>
public sealed class MutableContainer
{
    /// <summary>Where the data region starts.</summary>
    public const int DataOffset = 468;

    /// <summary>Bytes of one lease slot: owner, expiration, renew secret, cancel secret, node id.</summary>
    public const int LeaseSize = 92;

    /// <summary>Lease slots in the header; more go into the extra-lease list after the data.</summary>
    public const int HeaderLeaseSlots = 4;

    /// <summary>Bytes of a new, empty container: header, four empty slots, and an extra-lease count of 0.</summary>
    public const int EmptySize = DataOffset + 4;

    private const int MagicSize = 32;
    private const int NodeIdSize = MutableSecrets.NodeIdSize;
    private const int WriteEnablerSize = MutableSecrets.HashSize;
    private const int LeaseTableOffset = 100;

    private static readonly byte[] SchemaOneMagicTail = [0x75, 0x09, 0x44, 0x03, 0x8e];

    private readonly ReadOnlyMemory<byte> _file;

    private MutableContainer(ReadOnlyMemory<byte> file, int schemaVersion, long dataLength, long extraLeaseOffset, IReadOnlyList<ContainerLease> leases)
    {
        _file = file;
        SchemaVersion = schemaVersion;
        DataLength = dataLength;
        ExtraLeaseOffset = extraLeaseOffset;
        Leases = leases;
    }

    /// <summary>1 or 2.</summary>
    public int SchemaVersion { get; }

    /// <summary>The node id of the server that created the container.</summary>
    public ReadOnlySpan<byte> NodeId => _file.Span.Slice(MagicSize, NodeIdSize);

    /// <summary>The write enabler recorded when the share was created, which every later write must present.</summary>
    public ReadOnlySpan<byte> WriteEnabler => _file.Span.Slice(MagicSize + NodeIdSize, WriteEnablerSize);

    /// <summary>Valid bytes in the data region (the share may end earlier: readers go by its offsets).</summary>
    public long DataLength { get; }

    /// <summary>Absolute offset of the extra-lease count.</summary>
    public long ExtraLeaseOffset { get; }

    /// <summary>The occupied lease slots, header slots first.</summary>
    public IReadOnlyList<ContainerLease> Leases { get; }

    /// <summary>The data region: the share's bytes.</summary>
    public ReadOnlyMemory<byte> Data => _file.Slice(DataOffset, (int)DataLength);

    /// <summary>The 32-byte magic of schema <paramref name="schemaVersion"/>.</summary>
    public static byte[] Magic(int schemaVersion)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(schemaVersion, 1);
        var magic = new byte[MagicSize];
        var text = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"Tahoe mutable container v{schemaVersion}\n"));
        if (text.Length != MagicSize - 5)
        {
            throw new ArgumentOutOfRangeException(nameof(schemaVersion), "Container magics are 27 bytes and a 5-byte check.");
        }

        text.CopyTo(magic, 0);
        if (schemaVersion == 1)
        {
            SchemaOneMagicTail.CopyTo(magic, text.Length);
        }
        else
        {
            HashTag.MutableContainerHeader.Hash(text).AsSpan(0, 5).CopyTo(magic.AsSpan(text.Length));
        }

        return magic;
    }

    /// <summary>A new container with no data and no leases, as a Tahoe server creates before the first write.</summary>
    public static byte[] CreateEmpty(ReadOnlySpan<byte> nodeId, ReadOnlySpan<byte> writeEnabler, int schemaVersion = 2)
    {
        if (nodeId.Length != NodeIdSize || writeEnabler.Length != WriteEnablerSize)
        {
            throw new ArgumentException($"A container records a {NodeIdSize}-byte node id and a {WriteEnablerSize}-byte write enabler.");
        }

        if (schemaVersion is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(schemaVersion), "Tahoe's container schemas are 1 and 2.");
        }

        var file = new byte[EmptySize];
        Magic(schemaVersion).CopyTo(file, 0);
        nodeId.CopyTo(file.AsSpan(MagicSize));
        writeEnabler.CopyTo(file.AsSpan(MagicSize + NodeIdSize));
        BinaryPrimitives.WriteUInt64BigEndian(file.AsSpan(84), 0);
        BinaryPrimitives.WriteUInt64BigEndian(file.AsSpan(92), DataOffset);
        return file;
    }

    /// <summary>Reads a container file; throws <see cref="MutableShareFormatException"/> when it is not one.</summary>
    public static MutableContainer Parse(ReadOnlyMemory<byte> file)
    {
        var span = file.Span;
        if (span.Length < EmptySize)
        {
            throw new MutableShareFormatException($"A mutable container is at least {EmptySize} bytes; this one is {span.Length}.");
        }

        var schema = span[..MagicSize].SequenceEqual(Magic(1)) ? 1 : span[..MagicSize].SequenceEqual(Magic(2)) ? 2 : 0;
        if (schema == 0)
        {
            throw new MutableShareFormatException("The file does not start with a Tahoe mutable container magic (v1 or v2).");
        }

        var dataLength = BinaryPrimitives.ReadUInt64BigEndian(span[84..]);
        var extra = BinaryPrimitives.ReadUInt64BigEndian(span[92..]);
        if (extra > (ulong)(span.Length - 4) || dataLength > extra - DataOffset)
        {
            throw new MutableShareFormatException($"The container's data length {dataLength} and extra-lease offset {extra} do not fit its {span.Length} bytes.");
        }

        var extraCount = BinaryPrimitives.ReadUInt32BigEndian(span[(int)extra..]);
        if (extraCount > (ulong)(span.Length - (long)extra - 4) / LeaseSize)
        {
            throw new MutableShareFormatException($"The container claims {extraCount} extra leases but ends first.");
        }

        var leases = new List<ContainerLease>();
        for (var i = 0; i < HeaderLeaseSlots + extraCount; i++)
        {
            var at = i < HeaderLeaseSlots ? LeaseTableOffset + i * LeaseSize : (int)extra + 4 + (i - HeaderLeaseSlots) * LeaseSize;
            var slot = span.Slice(at, LeaseSize);
            var owner = BinaryPrimitives.ReadUInt32BigEndian(slot);
            if (owner != 0)
            {
                leases.Add(new ContainerLease(
                    owner, BinaryPrimitives.ReadUInt32BigEndian(slot[4..]), slot.Slice(8, 32).ToArray(), slot.Slice(40, 32).ToArray(), slot.Slice(72, NodeIdSize).ToArray(), schema >= 2));
            }
        }

        return new MutableContainer(file, schema, (long)dataLength, (long)extra, leases);
    }

    /// <summary>A read of the data region: <c>data[offset : min(offset + length, L)]</c>, empty past the end, never an error.</summary>
    public ReadOnlyMemory<byte> Read(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset >= DataLength)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        return Data.Slice((int)offset, (int)Math.Min(length, DataLength - offset));
    }

    /// <summary>
    /// The container after one read-test-write's writes to this share (§11.2): data grows as needed
    /// (the extra-lease block moves out of the way, gaps are zero-filled), never shrinks on disk, and
    /// <paramref name="newLength"/> below the current length truncates the valid length only. A
    /// <paramref name="newLength"/> of 0 means "delete the share", which is the caller's to do: it is refused here.
    /// </summary>
    public byte[] ApplyWrites(IReadOnlyList<(long Offset, byte[] Data)> writes, long? newLength)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (newLength == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(newLength), "A new length of 0 deletes the share file; there is no container to write.");
        }

        var file = _file.ToArray();
        var length = DataLength;
        var extra = ExtraLeaseOffset;
        foreach (var (offset, data) in writes)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(offset);
            var end = checked(offset + data.Length);
            if (end >= length)
            {
                if (DataOffset + end > extra)
                {
                    var extraBlock = 4 + LeaseSize * (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan((int)extra));
                    var moved = file.AsSpan((int)extra, extraBlock).ToArray();
                    var newExtra = DataOffset + end;
                    Array.Resize(ref file, (int)Math.Max(file.Length, newExtra + extraBlock));
                    file.AsSpan((int)extra, extraBlock).Clear();
                    moved.CopyTo(file.AsSpan((int)newExtra));
                    extra = newExtra;
                }

                if (offset > length)
                {
                    file.AsSpan((int)(DataOffset + length), (int)(offset - length)).Clear();
                }

                length = end;
            }

            data.CopyTo(file.AsSpan((int)(DataOffset + offset)));
        }

        if (newLength is { } truncate && truncate < length)
        {
            length = truncate;
        }

        BinaryPrimitives.WriteUInt64BigEndian(file.AsSpan(84), (ulong)length);
        BinaryPrimitives.WriteUInt64BigEndian(file.AsSpan(92), (ulong)extra);
        return file;
    }
}
