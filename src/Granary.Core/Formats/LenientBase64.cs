namespace Granary.Core.Formats;

/// <summary>
/// Python 3.4's non-strict <c>binascii.a2b_base64</c>, which dataserv decoded Authorization with
/// (dataserv-api §8.2 step 4) and the heartbeat library decodes proofs with (proofs-of-storage
/// §3.1.8): characters outside the alphabet are skipped, a pad sequence ends the input, and leftover
/// bits are an "incorrect padding" error. Non-ASCII text is an error.
/// </summary>
public static class LenientBase64
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        var output = new List<byte>(text.Length * 3 / 4);
        int quadPosition = 0, leftBits = 0, leftChar = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c > 0x7f)
            {
                return false;
            }

            if (c == '=')
            {
                // A pad ends the input once two or three characters of a quad are in; a lone pad
                // after two is ignored unless another pad follows it.
                if (quadPosition < 2 || (quadPosition == 2 && NextSignificant(text, i + 1) != '='))
                {
                    continue;
                }

                leftBits = 0;
                break;
            }

            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                continue;
            }

            quadPosition = (quadPosition + 1) & 3;
            leftChar = (leftChar << 6) | value;
            leftBits += 6;
            if (leftBits >= 8)
            {
                leftBits -= 8;
                output.Add((byte)(leftChar >> leftBits));
                leftChar &= (1 << leftBits) - 1;
            }
        }

        if (leftBits != 0)
        {
            return false;
        }

        bytes = [.. output];
        return true;
    }

    // The next character that is in the alphabet or is a pad, or -1.
    private static int NextSignificant(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '=' || (text[i] <= 0x7f && Alphabet.Contains(text[i], StringComparison.Ordinal)))
            {
                return text[i];
            }
        }

        return -1;
    }
}
