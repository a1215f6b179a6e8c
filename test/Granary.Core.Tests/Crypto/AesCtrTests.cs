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

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void AES_NI_and_the_platform_fallback_give_identical_bytes_at_any_offset(int keyBytes)
    {
        if (!AesNiKeystream.IsSupported)
        {
            return; // nothing to compare on this CPU; the fallback is covered by the other tests
        }

        var seed = Environment.TickCount;
        var random = new Random(seed);
        var key = new byte[keyBytes];
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

    [Theory]
    [MemberData(nameof(Implementations))]
    public void An_AES_256_keystream_is_the_encryption_of_the_counter_blocks(bool aesNi)
    {
        // The reference is the platform's AES-256-ECB, itself checked on FIPS-197 appendix C.3.
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        using var aes = new AesCtr(key, aesNi);
        var keystream = new byte[48];
        aes.Keystream(0, keystream);
        using var reference = System.Security.Cryptography.Aes.Create();
        reference.Key = key;
        var counters = new byte[48];
        counters[31] = 1;
        counters[47] = 2;
        Assert.Equal(Hex.Of(reference.EncryptEcb(counters, System.Security.Cryptography.PaddingMode.None)), Hex.Of(keystream));
        var fips = reference.EncryptEcb(Hex.Bytes("00112233445566778899aabbccddeeff"), System.Security.Cryptography.PaddingMode.None);
        Assert.Equal("8ea2b7ca516745bfeafc49904b496089", Hex.Of(fips));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(24)]
    [InlineData(33)]
    public void Rejects_a_key_that_is_neither_16_nor_32_bytes(int length)
    {
        Assert.Throws<ArgumentException>(() => new AesCtr(new byte[length]));
    }
}
