using System.Security.Cryptography;
using System.Text;
using Granary.Core.Crypto;
using Granary.Core.Proofs;

namespace Granary.Core.Tests.Proofs;

public sealed class RandomIoTests
{
    public static TheoryData<bool> Implementations() => AesNiKeystream.IsSupported ? [false, true] : [false];

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Every_text_seed_gives_the_known_key_bytes_and_hashes(bool aesNi)
    {
        foreach (var vector in ProofVectors.Proofs.GetProperty("randomio").EnumerateArray())
        {
            if (!vector.TryGetProperty("seed", out _))
            {
                continue;
            }

            var seed = vector.Text("seed");
            Assert.Equal(vector.Text("key_sha256_of_seed"), Hex.Of(RandomIo.Key(Encoding.UTF8.GetBytes(seed))));
            using var stream = new RandomIo(Encoding.UTF8.GetBytes(seed), aesNi);
            Assert.Equal(aesNi ? "aes-ni" : "platform", stream.Implementation);
            var bytes = new byte[262_144];
            stream.Read(0, bytes);
            Assert.Equal(vector.Text("first32"), Hex.Of(bytes.AsSpan(0, 32)));
            Assert.Equal(vector.Text("sha256_first_65536"), Hex.Of(SHA256.HashData(bytes.AsSpan(0, 65_536))));
            Assert.Equal(vector.Text("sha256_first_262144"), Hex.Of(SHA256.HashData(bytes)));

            var seeked = new byte[32];
            stream.Read(1000, seeked);
            Assert.Equal(vector.Text("bytes_1000_to_1032_via_seek"), Hex.Of(seeked));
            Assert.Equal(vector.Text("bytes_1000_to_1032_via_seek"), Hex.Of(bytes.AsSpan(1000, 32)));
        }
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void A_byte_seed_is_hashed_as_it_is(bool aesNi)
    {
        var vector = ProofVectors.Proofs.GetProperty("randomio").EnumerateArray().Single(v => v.TryGetProperty("seed_hex_bytes", out _));
        using var stream = new RandomIo(vector.Bytes("seed_hex_bytes"), aesNi);
        var first = new byte[32];
        stream.Read(0, first);
        Assert.Equal(vector.Text("first32"), Hex.Of(first));
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void The_dataserv_known_answers_for_abc_hold(bool aesNi)
    {
        var kat = ProofVectors.Dataserv;
        using var stream = new RandomIo("abc"u8, aesNi);
        var mebibyte = new byte[1 << 20];
        stream.Read(0, mebibyte);
        Assert.Equal(kat.Text("randomio_abc_first32_hex"), Hex.Of(mebibyte.AsSpan(0, 32)));
        Assert.Equal(kat.Text("randomio_abc_1MiB_sha256"), Hex.Of(SHA256.HashData(mebibyte)));
        Assert.Equal(kat.Text("randomio_abc_bytes_1000_to_1032_hex"), Hex.Of(mebibyte.AsSpan(1000, 32)));
    }

    [Fact]
    public async Task Writing_a_file_gives_the_same_bytes_as_reading_at_any_offset()
    {
        // 9 MiB + 5: whole pieces and an unaligned tail.
        const long length = (9L << 20) + 5;
        using var stream = new RandomIo("granary");
        using var file = new MemoryStream();
        long reported = 0;
        await stream.WriteAsync(file, length, new SynchronousProgress(done => reported = done));
        Assert.Equal(length, file.Length);
        Assert.Equal(length, reported);
        var expected = new byte[length];
        stream.Read(0, expected);
        Assert.True(expected.AsSpan().SequenceEqual(file.GetBuffer().AsSpan(0, (int)length)));
        var middle = new byte[777];
        stream.Read((4L << 20) - 300, middle);
        Assert.True(middle.AsSpan().SequenceEqual(expected.AsSpan((4 << 20) - 300, 777)));
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
