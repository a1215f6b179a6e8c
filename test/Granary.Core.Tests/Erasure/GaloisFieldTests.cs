using Granary.Core.Erasure;

namespace Granary.Core.Tests.Erasure;

public class GaloisFieldTests
{
    [Fact]
    public void Powers_of_the_generator_match_the_spec()
    {
        var powers = Enumerable.Range(0, 16).Select(GaloisField.Exp).ToArray();
        Assert.Equal(Hex.Bytes("0102040810204080 1d3a74e8cd871326"), powers);
    }

    [Fact]
    public void Products_and_inverses_match_the_spec()
    {
        Assert.Equal(0x8f, GaloisField.Multiply(0x53, 0xca));
        Assert.Equal(0x8e, GaloisField.Inverse(0x02));
    }

    [Fact]
    public void Every_nonzero_element_times_its_inverse_is_one()
    {
        for (var a = 1; a < 256; a++)
        {
            Assert.Equal(1, GaloisField.Multiply((byte)a, GaloisField.Inverse((byte)a)));
        }
    }

    [Fact]
    public void Multiplication_distributes_over_xor()
    {
        var random = new Random(11);
        for (var i = 0; i < 10_000; i++)
        {
            var (a, b, c) = ((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            Assert.Equal(GaloisField.Multiply(a, (byte)(b ^ c)), GaloisField.Multiply(a, b) ^ GaloisField.Multiply(a, c));
        }
    }
}
