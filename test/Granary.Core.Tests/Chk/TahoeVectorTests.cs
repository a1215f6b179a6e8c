using Granary.Core.Chk;
using Granary.Testing;

namespace Granary.Core.Tests.Chk;

public class TahoeVectorTests
{
    [Fact]
    public void The_sample_holds_24_vectors()
    {
        Assert.Equal(24, TahoeVector.Load().Count);
    }

    [Fact]
    public void The_full_file_holds_120_vectors_including_every_sample()
    {
        var all = TahoeVector.Load(TahoeVector.AllPath);
        Assert.Equal(120, all.Count);
        Assert.All(TahoeVector.Load(), sample => Assert.Contains(sample, all, VectorComparer.Instance));
    }

    [Theory]
    [MemberData(nameof(TahoeVector.Indexes), MemberType = typeof(TahoeVector))]
    public async Task Encoding_reproduces_the_cap_Tahoe_LAFS_produced(int index)
    {
        await AssertReproducesAsync(TahoeVector.Load()[index]);
    }

    [Theory]
    [MemberData(nameof(TahoeVector.AllIndexes), MemberType = typeof(TahoeVector))]
    public async Task Encoding_reproduces_every_published_Tahoe_LAFS_cap(int index)
    {
        await AssertReproducesAsync(TahoeVector.Load(TahoeVector.AllPath)[index]);
    }

    private static async Task AssertReproducesAsync(TahoeVector vector)
    {
        using var input = new MemoryStream(vector.Plaintext());
        var encoding = await ImmutableFileEncoder.EncodeAsync(
            input, vector.Convergence, new EncodingParameters(vector.K, vector.N, vector.MaxSegmentSize));
        Assert.Equal(vector.Expected, encoding.ReadCap.ToString());
    }

    private sealed class VectorComparer : IEqualityComparer<TahoeVector>
    {
        public static readonly VectorComparer Instance = new();

        public bool Equals(TahoeVector? x, TahoeVector? y) =>
            x!.Expected == y!.Expected && x.Length == y.Length && x.Seed.SequenceEqual(y.Seed) && x.Convergence.SequenceEqual(y.Convergence)
            && (x.K, x.N, x.MaxSegmentSize) == (y.K, y.N, y.MaxSegmentSize);

        public int GetHashCode(TahoeVector obj) => obj.Expected.GetHashCode(StringComparison.Ordinal);
    }
}
