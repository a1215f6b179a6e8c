namespace Granary.Core.Formats;

/// <summary>
/// Bitcoin's base58 (no 0, O, I or l) and Base58Check: a payload followed by the first four bytes
/// of its double SHA-256, as addresses, WIF keys and BIP32 extended keys are written.
/// </summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private const int ChecksumSize = 4;

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
        {
            zeros++;
        }

        // Repeated division of the big-endian number by 58, digits collected least significant first.
        var digits = new byte[data.Length * 138 / 100 + 1];
        var length = 0;
        foreach (var b in data[zeros..])
        {
            var carry = (int)b;
            for (var i = 0; i < length; i++)
            {
                carry += digits[i] << 8;
                digits[i] = (byte)(carry % 58);
                carry /= 58;
            }

            while (carry > 0)
            {
                digits[length++] = (byte)(carry % 58);
                carry /= 58;
            }
        }

        var result = new char[zeros + length];
        result.AsSpan(0, zeros).Fill('1');
        for (var i = 0; i < length; i++)
        {
            result[zeros + i] = Alphabet[digits[length - 1 - i]];
        }

        return new string(result);
    }

    public static bool TryDecode(string text, out byte[] data, out string error)
    {
        data = [];
        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1')
        {
            zeros++;
        }

        var bytes = new byte[text.Length * 733 / 1000 + 1];
        var length = 0;
        for (var position = zeros; position < text.Length; position++)
        {
            var value = Alphabet.IndexOf(text[position], StringComparison.Ordinal);
            if (value < 0)
            {
                error = $"'{text[position]}' at position {position} is not a base58 character";
                return false;
            }

            var carry = value;
            for (var i = 0; i < length; i++)
            {
                carry += bytes[i] * 58;
                bytes[i] = (byte)carry;
                carry >>= 8;
            }

            while (carry > 0)
            {
                bytes[length++] = (byte)carry;
                carry >>= 8;
            }
        }

        data = new byte[zeros + length];
        for (var i = 0; i < length; i++)
        {
            data[zeros + i] = bytes[length - 1 - i];
        }

        error = "";
        return true;
    }

    public static string EncodeCheck(ReadOnlySpan<byte> payload)
    {
        var withChecksum = new byte[payload.Length + ChecksumSize];
        payload.CopyTo(withChecksum);
        Checksum(payload).CopyTo(withChecksum.AsSpan(payload.Length));
        return Encode(withChecksum);
    }

    /// <summary>Decodes Base58Check text to its payload, or says whether the characters or the checksum are wrong.</summary>
    public static bool TryDecodeCheck(string text, out byte[] payload, out string error)
    {
        payload = [];
        if (text.Length == 0)
        {
            error = "it is empty";
            return false;
        }

        if (!TryDecode(text, out var data, out error))
        {
            return false;
        }

        if (data.Length < ChecksumSize)
        {
            error = $"it decodes to {data.Length} bytes, too short to carry a checksum";
            return false;
        }

        var body = data.AsSpan(0, data.Length - ChecksumSize);
        if (!Checksum(body).AsSpan().SequenceEqual(data.AsSpan(data.Length - ChecksumSize)))
        {
            error = "its checksum does not match (a character is mistyped or missing)";
            return false;
        }

        payload = body.ToArray();
        return true;
    }

    private static byte[] Checksum(ReadOnlySpan<byte> payload)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(payload, hash);
        System.Security.Cryptography.SHA256.HashData(hash, hash);
        return hash[..ChecksumSize].ToArray();
    }
}
