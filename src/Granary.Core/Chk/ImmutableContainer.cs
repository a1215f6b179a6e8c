using System.Buffers.Binary;

namespace Granary.Core.Chk;

/// <summary>
/// The file a Tahoe-LAFS storage server keeps an immutable share in: a 12-byte header (u32 version
/// 1 or 2, u32 data length, u32 lease count), the share bytes, then the leases (72 bytes each).
/// Granary's own store keeps the share bytes alone, so an operator's tools accept both.
/// </summary>
public sealed record ImmutableContainer(int Version, int LeaseCount, ReadOnlyMemory<byte> Share)
{
    public const int HeaderSize = 12;
    public const int LeaseSize = 72;

    /// <summary>
    /// Reads <paramref name="file"/> as a Tahoe container if it is one: a version of 1 or 2, a lease
    /// count whose leases fit after the header, and a CHK share header right after the container's.
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> file, out ImmutableContainer? container)
    {
        container = null;
        var span = file.Span;
        if (span.Length < HeaderSize + ShareHeader.MaxSize)
        {
            return false;
        }

        var version = BinaryPrimitives.ReadUInt32BigEndian(span);
        var leases = BinaryPrimitives.ReadUInt32BigEndian(span[8..]);
        var shareLength = span.Length - HeaderSize - ((long)leases * LeaseSize);
        if (version is not (1 or 2) || shareLength < ShareHeader.MaxSize)
        {
            return false;
        }

        try
        {
            if (!ShareHeader.TryParse(span.Slice(HeaderSize, (int)shareLength), out _))
            {
                return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }

        container = new ImmutableContainer((int)version, (int)leases, file.Slice(HeaderSize, (int)shareLength));
        return true;
    }
}
