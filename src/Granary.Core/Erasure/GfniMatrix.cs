namespace Granary.Core.Erasure;

/// <summary>
/// The 8×8 bit matrix GF2P8AFFINEQB applies to multiply by a constant in our field. Output bit i of
/// <c>c·x</c> is the parity of <c>row_i AND x</c>, where bit k of row i is bit i of <c>c·2^k</c>;
/// the instruction reads row i from byte 7 − i of the 64-bit operand.
/// </summary>
internal static class GfniMatrix
{
    public static ulong For(byte coefficient)
    {
        ulong matrix = 0;
        for (var i = 0; i < 8; i++)
        {
            var row = 0;
            for (var k = 0; k < 8; k++)
            {
                row |= ((GaloisField.Multiply(coefficient, (byte)(1 << k)) >> i) & 1) << k;
            }

            matrix |= (ulong)row << (8 * (7 - i));
        }

        return matrix;
    }
}
