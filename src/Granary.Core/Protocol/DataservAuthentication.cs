using System.Globalization;
using Granary.Core.Identity;

namespace Granary.Core.Protocol;

/// <summary>
/// The headers a farmer signs its dataserv calls (register, ping, height) with, as storjcore does:
/// <c>Date</c> (RFC 2822) and <c>Authorization</c>, the base64 signed-message signature of
/// <c>"&lt;hub address&gt; &lt;Date&gt;"</c> by the farmer's key.
/// </summary>
public static class DataservAuthentication
{
    /// <summary>The <c>Date</c> and <c>Authorization</c> values for a call made at <paramref name="now"/>.</summary>
    public static (string Date, string Authorization) Headers(PrivateKey farmer, string hubAddress, DateTimeOffset now)
    {
        var date = FormatDate(now);
        return (date, BitcoinMessage.Sign(farmer, SignedText(hubAddress, date)));
    }

    /// <summary>The text a farmer signs: the hub's address, one space, the Date header exactly as sent.</summary>
    public static string SignedText(string hubAddress, string date) => hubAddress + " " + date;

    /// <summary>An RFC 2822 date in UTC as Python's <c>email.utils.formatdate</c> writes it: <c>Sat, 21 Nov 2026 18:27:26 +0000</c>.</summary>
    public static string FormatDate(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
}
