using System.Net;
using Granary.Core.Identity;
using Granary.Dht.Routing;

namespace Granary.Dht.Wire;

/// <summary>The payloads of the requests and responses that carry more than a byte or two.</summary>
internal static class Payloads
{
    /// <summary>The most a contact takes on the wire: id, family, IPv6 address, port.</summary>
    public const int MaxContactSize = NodeId.Size + 1 + 16 + 2;

    public static byte[] Id(NodeId id) => id.Bytes.ToArray();

    public static bool TryReadId(ReadOnlySpan<byte> payload, out NodeId id)
    {
        var reader = new WireReader(payload);
        return reader.Id(out id) & reader.Remaining == 0;
    }

    public static byte[] EndPoint(IPEndPoint endPoint)
    {
        var writer = new WireWriter();
        writer.EndPoint(endPoint);
        return writer.ToArray();
    }

    public static bool TryReadEndPoint(ReadOnlySpan<byte> payload, out IPEndPoint? endPoint)
    {
        var reader = new WireReader(payload);
        return reader.EndPoint(out endPoint) & reader.Remaining == 0;
    }

    /// <summary>A count, then the contacts: as many of <paramref name="contacts"/> as fit in <paramref name="maxBytes"/>.</summary>
    public static byte[] Contacts(IReadOnlyList<Contact> contacts, int maxBytes)
    {
        var writer = new WireWriter();
        var count = writer.Take(1);
        byte written = 0;
        foreach (var contact in contacts)
        {
            var size = NodeId.Size + 1 + (contact.EndPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 16) + 2;
            if (writer.Length + size > maxBytes || written == byte.MaxValue)
            {
                break;
            }

            writer.Id(contact.Id);
            writer.EndPoint(contact.EndPoint);
            written++;
        }

        var bytes = writer.ToArray();
        bytes[0] = written;
        return bytes;
    }

    public static bool TryReadContacts(ReadOnlySpan<byte> payload, out List<Contact> contacts)
    {
        contacts = [];
        var reader = new WireReader(payload);
        if (!reader.Byte(out var count))
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!reader.Id(out var id) || !reader.EndPoint(out var endPoint))
            {
                return false;
            }

            contacts.Add(new Contact(id, endPoint!));
        }

        return reader.Remaining == 0;
    }
}
