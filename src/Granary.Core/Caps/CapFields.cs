using System.Globalization;
using Granary.Core.Formats;

namespace Granary.Core.Caps;

/// <summary>Parsing of the colon-separated fields shared by CHK read and verify caps.</summary>
internal static class CapFields
{
    /// <summary>Splits <c>a:b:k:n:size</c> and checks the three numbers.</summary>
    public static (byte[] First, byte[] UriExtensionHash, int K, int N, long Size) ParseChk(
        string kind, string fields, string firstName, int firstLength)
    {
        var parts = fields.Split(':');
        if (parts.Length != 5)
        {
            throw new CapFormatException(
                $"A {kind} cap has 5 fields after '{kind}:' ({firstName}:ueb-hash:k:n:size); this one has {parts.Length}.");
        }

        var first = Base32Field(kind, firstName, parts[0], firstLength);
        var ueb = Base32Field(kind, "UEB hash", parts[1], 32);
        var k = Number(kind, "k (shares needed)", parts[2], 256);
        var n = Number(kind, "n (total shares)", parts[3], 256);
        var size = Number(kind, "size", parts[4], long.MaxValue);
        if (k < 1 || n < 1)
        {
            throw new CapFormatException($"The {kind} cap's k and n must be at least 1; got k={k}, n={n}.");
        }

        if (k > n)
        {
            throw new CapFormatException($"The {kind} cap's k ({k}) exceeds its n ({n}).");
        }

        return (first, ueb, (int)k, (int)n, size);
    }

    /// <summary>
    /// Splits <c>key:fingerprint</c> (§4.2): a 26-character and a 52-character lower-case base32
    /// field. SDMF caps end there; MDMF caps may go on with <c>:</c> and anything (future extension
    /// fields, accepted and dropped).
    /// </summary>
    public static (byte[] Key, byte[] Fingerprint) ParseMutable(string kind, string fields, string keyName, bool allowsExtensions)
    {
        var colon = fields.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new CapFormatException($"A {kind} cap has 2 fields after '{kind}:' ({keyName}:fingerprint); this one has 1.");
        }

        var fingerprintText = fields[(colon + 1)..];
        var extension = fingerprintText.IndexOf(':', StringComparison.Ordinal);
        if (extension >= 0)
        {
            if (!allowsExtensions)
            {
                throw new CapFormatException($"A {kind} cap has exactly 2 fields after '{kind}:' ({keyName}:fingerprint); this one has more.");
            }

            fingerprintText = fingerprintText[..extension];
        }

        var key = Base32Field(kind, keyName, fields[..colon], 16);
        var fingerprint = Base32Field(kind, "fingerprint", fingerprintText, 32);
        return (key, fingerprint);
    }

    public static byte[] Base32Field(string kind, string name, string text, int byteLength)
    {
        var expected = Base32.GetEncodedLength(byteLength);
        if (text.Length != expected)
        {
            throw new CapFormatException($"The {kind} cap's {name} is {text.Length} characters; it must be {expected} base32 characters.");
        }

        if (!Base32.TryDecode(text, out var bytes, out var error))
        {
            throw new CapFormatException($"The {kind} cap's {name} is not valid: {error}.");
        }

        return bytes;
    }

    private static long Number(string kind, string name, string text, long max)
    {
        if (text.Length == 0 || !text.All(char.IsAsciiDigit))
        {
            throw new CapFormatException($"The {kind} cap's {name} '{Cap.Abbreviate(text)}' is not a decimal number.");
        }

        if (text.Length > 1 && text[0] == '0')
        {
            throw new CapFormatException($"The {kind} cap's {name} '{text}' has a leading zero.");
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > max)
        {
            throw new CapFormatException($"The {kind} cap's {name} {Cap.Abbreviate(text)} is too large (at most {max}).");
        }

        return value;
    }
}
