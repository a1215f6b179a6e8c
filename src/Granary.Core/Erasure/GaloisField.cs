namespace Granary.Core.Erasure;

/// <summary>
/// GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator 2, as zfec uses it.
/// Addition is XOR; multiplication goes through log/exp tables and a full 64 KiB product table.
/// </summary>
public static class GaloisField
{
    public const int Polynomial = 0x11D;

    // Exp is doubled so that Exp[log a + log b] needs no reduction modulo 255.
    private static readonly byte[] ExpTable = new byte[510];
    private static readonly byte[] LogTable = new byte[256];
    private static readonly byte[] ProductTable = new byte[256 * 256];

    static GaloisField()
    {
        var x = 1;
        for (var i = 0; i < 255; i++)
        {
            ExpTable[i] = (byte)x;
            ExpTable[i + 255] = (byte)x;
            LogTable[x] = (byte)i;
            x <<= 1;
            if ((x & 0x100) != 0)
            {
                x ^= Polynomial;
            }
        }

        for (var a = 1; a < 256; a++)
        {
            for (var b = 1; b < 256; b++)
            {
                ProductTable[(a << 8) | b] = ExpTable[LogTable[a] + LogTable[b]];
            }
        }
    }

    /// <summary>α^power for the generator α = 2; any non-negative power.</summary>
    public static byte Exp(int power) => ExpTable[power % 255];

    public static byte Multiply(byte a, byte b) => ProductTable[(a << 8) | b];

    public static byte Inverse(byte a)
    {
        if (a == 0)
        {
            throw new DivideByZeroException("0 has no inverse in GF(2^8).");
        }

        return ExpTable[255 - LogTable[a]];
    }

    /// <summary>The 256 products <c>c·x</c> for every byte x: one row of the product table.</summary>
    public static ReadOnlySpan<byte> ProductsOf(byte c) => ProductTable.AsSpan(c << 8, 256);
}
