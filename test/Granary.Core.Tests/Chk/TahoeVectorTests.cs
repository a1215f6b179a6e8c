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

    [Theory]
    [MemberData(nameof(TahoeVector.Indexes), MemberType = typeof(TahoeVector))]
    public async Task Encoding_reproduces_the_cap_Tahoe_LAFS_produced(int index)
    {
        var vector = TahoeVector.Load()[index];
        using var input = new MemoryStream(vector.Plaintext());
        var encoding = await ImmutableFileEncoder.EncodeAsync(
            input, vector.Convergence, new EncodingParameters(vector.K, vector.N, vector.MaxSegmentSize));
        Assert.Equal(vector.Expected, encoding.ReadCap.ToString());
    }
}
