using Granary.Core.Crypto;

namespace Granary.Core.Tests.Crypto;

public class AesCtrTests
{
    public static TheoryData<bool> Implementations() => AesNiKeystream.IsSupported ? [false, true] : [false];

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Encrypts_the_spec_example_with_a_big_endian_counter_from_zero(bool aesNi)
    {
        // chk-format §13.1: 56 × "a" under key 380ff65e….
        using var aes = new AesCtr(Hex.Bytes("380ff65ec57c08c67d0219f67b481d28"), aesNi);
        var output = new byte[56];
        aes.Transform(0, Enumerable.Repeat((byte)'a', 56).ToArray(), output);
        Assert.Equal(
            "69a274f9768a1a437fd51b13cb402d0b0b1bbdd69414c91e9cc8f33de0b1117243a0d341b5a3f045bb524b5bf6b200329a8a5eaac154f3c7",
            Hex.Of(output));
    }

    [Fact]
    public void Any_split_into_pieces_at_any_offset_gives_the_same_stream()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var key = new byte[16];
        random.NextBytes(key);
        var plaintext = new byte[70_000];
        random.NextBytes(plaintext);
        using var aes = new AesCtr(key);
        var whole = new byte[plaintext.Length];
        aes.Transform(0, plaintext, whole);

        var pieces = new byte[plaintext.Length];
        var offset = 0;
        while (offset < plaintext.Length)
        {
            var length = Math.Min(random.Next(1, 20_000), plaintext.Length - offset);
            aes.Transform(offset, plaintext.AsSpan(offset, length), pieces.AsSpan(offset, length));
            offset += length;
        }

        Assert.True(whole.AsSpan().SequenceEqual(pieces), $"seed {seed}");
    }

    [Fact]
    public void AES_NI_and_the_platform_fallback_give_identical_bytes_at_any_offset()
    {
        if (!AesNiKeystream.IsSupported)
        {
            return; // nothing to compare on this CPU; the fallback is covered by the other tests
        }

        var seed = Environment.TickCount;
        var random = new Random(seed);
        var key = new byte[16];
        random.NextBytes(key);
        using var fast = new AesCtr(key, useAesNi: true);
        using var fallback = new AesCtr(key, useAesNi: false);
        Assert.Equal("aes-ni", fast.Implementation);
        Assert.Equal("platform", fallback.Implementation);
        var data = new byte[5000];
        random.NextBytes(data);
        foreach (var offset in new long[] { 0, 1, 15, 16, 17, 127, 128, 129, 1L << 36, (1L << 40) + 3 })
        {
            foreach (var length in new[] { 0, 1, 15, 16, 17, 128, 129, 255, 5000 })
            {
                var a = new byte[length];
                var b = new byte[length];
                fast.Transform(offset, data.AsSpan(0, length), a);
                fallback.Transform(offset, data.AsSpan(0, length), b);
                Assert.True(a.AsSpan().SequenceEqual(b), $"offset {offset}, length {length}, seed {seed}");
            }
        }
    }

    [Fact]
    public void Transforming_twice_restores_the_plaintext_in_place()
    {
        using var aes = new AesCtr(new byte[16]);
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var original = data.ToArray();
        aes.Transform(17, data, data);
        Assert.NotEqual(original, data);
        aes.Transform(17, data, data);
        Assert.Equal(original, data);
    }

    [Fact]
    public void Rejects_a_key_that_is_not_16_bytes()
    {
        Assert.Throws<ArgumentException>(() => new AesCtr(new byte[32]));
    }
}
