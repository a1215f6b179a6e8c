using System.Net;
using System.Net.Sockets;

namespace Granary.Dht.Transport;

/// <summary>A DHT node to join through, written <c>HOST:PORT</c> (an IPv6 address in brackets).</summary>
public static class DhtSeed
{
    /// <summary>Parses and resolves a seed; a <see cref="FormatException"/> says what is wrong.</summary>
    public static IPEndPoint Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"'{text}' is not HOST:PORT");
        }

        var host = text[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            return new IPEndPoint(Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork), port);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new FormatException($"cannot resolve '{host}'", e);
        }
    }
}
