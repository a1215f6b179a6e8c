namespace Granary.Core.Formats;

/// <summary>
/// RFC 4648 base32 in lower case without padding, as Tahoe-LAFS writes it in caps and secrets.
/// Decoding is strict: lower case only, and the unused low bits of the last character must be zero,
/// so every byte string has exactly one spelling.
/// </summary>
public static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static int GetEncodedLength(int byteCount) => (int)(((long)byteCount * 8 + 4) / 5);

    public static string Encode(ReadOnlySpan<byte> data)
    {
        return string.Create(GetEncodedLength(data.Length), data.ToArray(), static (chars, bytes) =>
        {
            var buffer = 0;
            var bits = 0;
            var index = 0;
            foreach (var b in bytes)
            {
                buffer = (buffer << 8) | b;
                bits += 8;
                while (bits >= 5)
                {
                    bits -= 5;
                    chars[index++] = Alphabet[(buffer >> bits) & 31];
                }
            }

            if (bits > 0)
            {
                chars[index] = Alphabet[(buffer << (5 - bits)) & 31];
            }
        });
    }

    /// <summary>Decodes <paramref name="text"/>, or returns false with a reason a person can act on.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] data, out string error)
    {
        data = [];
        error = "";
        var remainder = text.Length % 8;
        if (remainder is 1 or 3 or 6)
        {
            error = $"{text.Length} characters is not a possible base32 length";
            return false;
        }

        var result = new byte[text.Length * 5 / 8];
        var buffer = 0;
        var bits = 0;
        var index = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var value = ValueOf(text[i]);
            if (value < 0)
            {
                error = text[i] is >= 'A' and <= 'Z'
                    ? $"'{text[i]}' at position {i} is upper case; base32 here is lower case"
                    : $"'{text[i]}' at position {i} is not a base32 character (a-z, 2-7)";
                return false;
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                result[index++] = (byte)(buffer >> bits);
            }
        }

        if ((buffer & ((1 << bits) - 1)) != 0)
        {
            error = $"the last character '{text[^1]}' has non-zero unused bits, so this is not canonical base32";
            return false;
        }

        data = result;
        return true;
    }

    public static byte[] Decode(ReadOnlySpan<char> text) =>
        TryDecode(text, out var data, out var error) ? data : throw new FormatException($"Invalid base32: {error}.");

    private static int ValueOf(char c) => c switch
    {
        >= 'a' and <= 'z' => c - 'a',
        >= '2' and <= '7' => c - '2' + 26,
        _ => -1,
    };
}
