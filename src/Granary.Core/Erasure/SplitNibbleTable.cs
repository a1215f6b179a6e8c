namespace Granary.Core.Erasure;

/// <summary>
/// The 32-byte table the shuffle kernels use for one coefficient c: bytes 0–15 are <c>c·x</c> for
/// x = 0…15, bytes 16–31 are <c>c·(x·16)</c>. A byte's product is the XOR of one entry from each half.
/// </summary>
internal static class SplitNibbleTable
{
    public static void Build(byte coefficient, Span<byte> table)
    {
        for (var x = 0; x < 16; x++)
        {
            table[x] = GaloisField.Multiply(coefficient, (byte)x);
            table[16 + x] = GaloisField.Multiply(coefficient, (byte)(x << 4));
        }
    }
}
