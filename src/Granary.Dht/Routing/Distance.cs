using System.Buffers.Binary;
using System.Numerics;
using Granary.Core.Identity;

namespace Granary.Dht.Routing;

/// <summary>Kademlia's XOR metric on 160-bit node ids.</summary>
internal static class Distance
{
    /// <summary>Compares the distances of <paramref name="a"/> and <paramref name="b"/> from <paramref name="target"/>: negative when a is closer.</summary>
    public static int Compare(NodeId target, NodeId a, NodeId b)
    {
        var t = target.Bytes;
        var x = a.Bytes;
        var y = b.Bytes;
        for (var i = 0; i < NodeId.Size; i++)
        {
            var dx = x[i] ^ t[i];
            var dy = y[i] ^ t[i];
            if (dx != dy)
            {
                return dx < dy ? -1 : 1;
            }
        }

        return 0;
    }

    /// <summary>How many leading bits two ids share: 160 for the same id, 0 when they differ in the first bit.</summary>
    public static int CommonPrefixLength(NodeId a, NodeId b)
    {
        var x = a.Bytes;
        var y = b.Bytes;
        for (var i = 0; i < NodeId.Size; i++)
        {
            var d = x[i] ^ y[i];
            if (d != 0)
            {
                return (i * 8) + BitOperations.LeadingZeroCount((uint)d) - 24;
            }
        }

        return NodeId.Size * 8;
    }

    /// <summary>A random id that shares exactly <paramref name="prefix"/> leading bits with <paramref name="self"/>.</summary>
    public static NodeId RandomWithPrefix(NodeId self, int prefix, Random random)
    {
        Span<byte> id = stackalloc byte[NodeId.Size];
        random.NextBytes(id);
        var own = self.Bytes;
        for (var bit = 0; bit <= prefix && bit < NodeId.Size * 8; bit++)
        {
            var mask = (byte)(0x80 >> (bit % 8));
            var ownBit = own[bit / 8] & mask;
            // Bits before the prefix length match; the bit at it differs.
            var want = bit < prefix ? ownBit : ownBit ^ mask;
            id[bit / 8] = (byte)((id[bit / 8] & ~mask) | want);
        }

        return new NodeId(id);
    }

    /// <summary>The first 64 bits of the XOR distance, for ordering and drawing.</summary>
    public static ulong Leading64(NodeId a, NodeId b)
    {
        Span<byte> x = stackalloc byte[8];
        for (var i = 0; i < 8; i++)
        {
            x[i] = (byte)(a.Bytes[i] ^ b.Bytes[i]);
        }

        return BinaryPrimitives.ReadUInt64BigEndian(x);
    }
}
