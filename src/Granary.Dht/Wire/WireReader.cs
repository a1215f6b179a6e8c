using System.Buffers.Binary;
using System.Net;
using Granary.Core.Identity;

namespace Granary.Dht.Wire;

/// <summary>
/// Reads the wire format's fields from a datagram. Every read checks the bytes are there and says
/// false when not, so a truncated or garbled datagram is refused, never an exception.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public bool Byte(out byte value)
    {
        value = 0;
        if (Remaining < 1)
        {
            return false;
        }

        value = _data[_position++];
        return true;
    }

    public bool UInt16(out int value)
    {
        value = 0;
        if (!Bytes(2, out var bytes))
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        return true;
    }

    public bool UInt64(out ulong value)
    {
        value = 0;
        if (!Bytes(8, out var bytes))
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        return true;
    }

    public bool Int64(out long value)
    {
        value = 0;
        if (!Bytes(8, out var bytes))
        {
            return false;
        }

        value = BinaryPrimitives.ReadInt64BigEndian(bytes);
        return true;
    }

    public bool Bytes(int count, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (count < 0 || Remaining < count)
        {
            return false;
        }

        bytes = _data.Slice(_position, count);
        _position += count;
        return true;
    }

    public bool Id(out NodeId id)
    {
        id = default;
        if (!Bytes(NodeId.Size, out var bytes))
        {
            return false;
        }

        id = new NodeId(bytes);
        return true;
    }

    public bool EndPoint(out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!Byte(out var family) || family is not (4 or 6) || !Bytes(family == 4 ? 4 : 16, out var address) || !UInt16(out var port) || port == 0)
        {
            return false;
        }

        endPoint = new IPEndPoint(new IPAddress(address), port);
        return true;
    }
}
