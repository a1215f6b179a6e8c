using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Granary.Core.Identity;

namespace Granary.Dht.Wire;

/// <summary>Writes the wire format's fields, big-endian, into a growing buffer.</summary>
internal sealed class WireWriter
{
    private byte[] _buffer = new byte[256];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void Byte(byte value) => Take(1)[0] = value;

    public void UInt16(int value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), checked((ushort)value));

    public void UInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Take(8), value);

    public void Int64(long value) => BinaryPrimitives.WriteInt64BigEndian(Take(8), value);

    public void Bytes(ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));

    public void Id(NodeId id) => Bytes(id.Bytes);

    /// <summary>Family (4 or 6), address, port.</summary>
    public void EndPoint(IPEndPoint endPoint)
    {
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        Byte(address.AddressFamily == AddressFamily.InterNetwork ? (byte)4 : (byte)6);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        Bytes(bytes[..written]);
        UInt16(endPoint.Port);
    }

    public void Zeros(int count) => Take(count).Clear();

    public Span<byte> Take(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }

        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }

    public byte[] ToArray() => _buffer.AsSpan(0, Length).ToArray();
}
