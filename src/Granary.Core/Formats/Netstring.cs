using System.Buffers.Text;

namespace Granary.Core.Formats;

/// <summary>
/// Netstrings (<c>len ":" bytes ","</c>), the length-prefixed framing Tahoe-LAFS uses inside
/// hash tags, pair hashes and the URI extension block.
/// </summary>
public static class Netstring
{
    /// <summary>The number of bytes <see cref="Write"/> produces for a value of <paramref name="valueLength"/> bytes.</summary>
    public static int GetEncodedLength(int valueLength) => DecimalDigits(valueLength) + valueLength + 2;

    public static byte[] Encode(ReadOnlySpan<byte> value)
    {
        var result = new byte[GetEncodedLength(value.Length)];
        Write(value, result);
        return result;
    }

    /// <summary>Writes <c>ns(value)</c> to <paramref name="destination"/> and returns the bytes written.</summary>
    public static int Write(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        if (!Utf8Formatter.TryFormat(value.Length, destination, out var written))
        {
            throw new ArgumentException("Destination too short for the netstring.", nameof(destination));
        }

        destination[written++] = (byte)':';
        value.CopyTo(destination[written..]);
        written += value.Length;
        destination[written++] = (byte)',';
        return written;
    }

    /// <summary>
    /// Reads one netstring from the start of <paramref name="input"/>. Returns false when the input
    /// ends before the netstring does; throws <see cref="FormatException"/> when it can never be one.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> value, out int consumed)
    {
        value = default;
        consumed = 0;
        var colon = input.IndexOf((byte)':');
        var digits = colon < 0 ? input : input[..colon];
        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9')
            {
                throw new FormatException("A netstring length must be ASCII decimal digits.");
            }
        }

        if (digits.Length > 10 || (digits.Length > 1 && digits[0] == (byte)'0'))
        {
            throw new FormatException("A netstring length must have no leading zeros and fit in 32 bits.");
        }

        if (colon < 0)
        {
            return false;
        }

        if (colon == 0 || !Utf8Parser.TryParse(digits, out long length, out _) || length > int.MaxValue - 16)
        {
            throw new FormatException("A netstring needs a length before its ':'.");
        }

        var end = colon + 1 + (int)length;
        if (input.Length <= end)
        {
            return false;
        }

        if (input[end] != (byte)',')
        {
            throw new FormatException("A netstring must end with ',' right after its declared length.");
        }

        value = input.Slice(colon + 1, (int)length);
        consumed = end + 1;
        return true;
    }

    private static int DecimalDigits(int value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }
}
