using Granary.Core.Proofs;

namespace Granary.Core.Tests.Proofs;

public sealed class KeyedPrfTests
{
    [Fact]
    public void Every_known_value_is_reproduced()
    {
        var vector = ProofVectors.Proofs.GetProperty("keyed_prf");
        var key = vector.Bytes("key");
        var checkedValues = 0;
        foreach (var entry in vector.GetProperty("values").EnumerateObject())
        {
            Assert.Equal(entry.Value.GetInt64(), KeyedPrf.Value(key, long.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture)));
            checkedValues++;
        }

        foreach (var entry in vector.GetProperty("zero_key_values").EnumerateObject())
        {
            Assert.Equal(entry.Value.GetInt64(), KeyedPrf.Value(new byte[32], long.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture)));
            checkedValues++;
        }

        Assert.Equal(14, checkedValues);
    }

    [Fact]
    public void Values_stay_below_the_range_and_a_range_of_one_gives_zero()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var key = new byte[32];
        for (var i = 0; i < 200; i++)
        {
            random.NextBytes(key);
            var range = random.NextInt64(1, long.MaxValue >> random.Next(0, 62));
            var value = KeyedPrf.Value(key, range);
            Assert.True(value >= 0 && value < range, $"seed {seed}: {value} not in [0, {range})");
        }

        Assert.Equal(0, KeyedPrf.Value(key, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyedPrf.Value(key, 0));
    }
}
