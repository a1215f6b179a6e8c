using System.Text;
using Granary.Core.Proofs;

namespace Granary.Core.Tests.Proofs;

public sealed class PartialHashTests
{
    [Fact]
    public void Compute_and_sample_give_the_dataserv_known_answers()
    {
        var kat = ProofVectors.Dataserv;
        using var file = AbcMebibyte();
        Assert.Equal(kat.Text("partialhash_compute_full"), Hex.Of(PartialHash.Compute(file, [])));
        Assert.Equal(kat.Text("partialhash_compute_offset1000_len5000_seed_storj"), Hex.Of(PartialHash.Compute(file, "storj"u8, 1000, 5000)));
        Assert.Equal(kat.Text("partialhash_sample_1024_count3_seed_storj"), Hex.Of(PartialHash.Sample(file, 1024, 3, "storj"u8)));
        Assert.Equal(kat.Text("partialhash_sample_1000_count5_seed_empty"), Hex.Of(PartialHash.Sample(file, 1000, 5, [])));
    }

    [Fact]
    public void A_range_outside_the_file_is_refused()
    {
        using var file = new MemoryStream(new byte[100]);
        Assert.Throws<ArgumentOutOfRangeException>(() => PartialHash.Compute(file, [], 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => PartialHash.Compute(file, [], 50, 51));
        Assert.Equal(Hex.Of(System.Security.Cryptography.SHA256.HashData("s"u8)), Hex.Of(PartialHash.Compute(file, "s"u8, 100)));
    }

    [Fact]
    public void Sampling_more_pieces_than_the_file_has_refills_the_pool()
    {
        // Three pieces (two of 40 bytes and an empty one); six samples use each piece twice.
        using var file = new MemoryStream(Encoding.ASCII.GetBytes(new string('x', 80)));
        var a = PartialHash.Sample(file, 40, 6, "seed"u8);
        var b = PartialHash.Sample(file, 40, 6, "seed"u8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, PartialHash.Sample(file, 40, 5, "seed"u8));
    }

    internal static MemoryStream AbcMebibyte()
    {
        var bytes = new byte[1 << 20];
        using var random = new RandomIo("abc");
        random.Read(0, bytes);
        return new MemoryStream(bytes, writable: false);
    }
}
