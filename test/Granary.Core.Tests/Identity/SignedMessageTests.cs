using System.Text.Json;
using Granary.Core.Identity;

namespace Granary.Core.Tests.Identity;

public class SignedMessageTests
{
    [Theory]
    [MemberData(nameof(SignMessageVector.Indexes), MemberType = typeof(SignMessageVector))]
    public void Signing_reproduces_every_vector_byte_for_byte(int index)
    {
        var vector = SignMessageVector.Load()[index];
        using var key = PrivateKey.ParseWif(vector.Wif);
        Assert.Equal(vector.Signature, key.SignMessage(vector.Message));
    }

    [Theory]
    [MemberData(nameof(SignMessageVector.Indexes), MemberType = typeof(SignMessageVector))]
    public void Every_vector_verifies_by_address_and_by_known_key(int index)
    {
        var vector = SignMessageVector.Load()[index];
        using var key = PrivateKey.ParseWif(vector.Wif);
        Assert.True(BitcoinMessage.Verify(vector.Address, vector.Signature, vector.Message));
        Assert.True(BitcoinMessage.Verify(key.PublicKey, vector.Signature, vector.Message));
        Assert.Equal(key.PublicKey, BitcoinMessage.RecoverPublicKey(vector.Signature, vector.Message));
    }

    [Fact]
    public void The_dataserv_known_answers_match()
    {
        using var kat = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "dataserv-kat.json")));
        string Value(string name) => kat.RootElement.GetProperty(name).GetString()!;
        Assert.Equal(Value("sign_digest_hex"), Hex.Of(BitcoinMessage.Hash(Value("sign_message"))));
        using var key = PrivateKey.ParseWif(Value("sign_wif"));
        Assert.Equal(Value("sign_address"), key.Address.ToString());
        Assert.Equal(Value("sign_signature_b64"), key.SignMessage(Value("sign_message")));
        using var uncompressed = PrivateKey.ParseWif(Value("sign_uncompressed_wif"));
        Assert.Equal(Value("sign_uncompressed_address"), uncompressed.Address.ToString());
        Assert.Equal(Value("sign_uncompressed_signature_b64"), uncompressed.SignMessage(Value("sign_message")));
    }

    [Fact]
    public void A_signature_never_verifies_for_another_address_or_key()
    {
        var vectors = SignMessageVector.Load();
        var first = vectors[0];
        foreach (var other in vectors.Where(v => v.Address != first.Address).DistinctBy(v => v.Address))
        {
            Assert.False(BitcoinMessage.Verify(other.Address, first.Signature, first.Message));
            using var otherKey = PrivateKey.ParseWif(other.Wif);
            Assert.False(BitcoinMessage.Verify(otherKey.PublicKey, first.Signature, first.Message));
        }
    }

    [Fact]
    public void Tampered_messages_and_signatures_fail()
    {
        var vector = SignMessageVector.Load()[1];
        Assert.False(BitcoinMessage.Verify(vector.Address, vector.Signature, vector.Message + "!"));
        var bytes = Convert.FromBase64String(vector.Signature);
        for (var position = 0; position < bytes.Length; position += 7)
        {
            var tampered = bytes.ToArray();
            tampered[position] ^= 0x01;
            if (tampered[0] is < 27 or > 34)
            {
                continue;
            }

            Assert.False(BitcoinMessage.Verify(vector.Address, Convert.ToBase64String(tampered), vector.Message), $"byte {position}");
        }
    }

    [Fact]
    public void Fresh_keys_sign_and_verify_both_ways_and_signing_is_deterministic()
    {
        using var key = PrivateKey.Generate();
        var signature = key.SignMessage("granary");
        Assert.Equal(signature, key.SignMessage("granary"));
        Assert.True(BitcoinMessage.Verify(key.Address.ToString(), signature, "granary"));
        Assert.True(BitcoinMessage.Verify(key.PublicKey, signature, "granary"));
    }

    [Theory]
    [InlineData("not base64!", "not valid base64")]
    [InlineData("AAAA", "65 bytes")]
    [InlineData("GgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "header byte 26")]
    public void Malformed_signatures_fail_cleanly_with_a_reason(string signature, string reason)
    {
        var error = Assert.Throws<FormatException>(() => BitcoinMessage.Verify("16873MvVo6D4gTuFj42h2X9k92DsbNAgvC", signature, "hello"));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_of_zeros_is_simply_invalid()
    {
        var zeros = Convert.ToBase64String([31, .. new byte[64]]);
        Assert.False(BitcoinMessage.Verify("16873MvVo6D4gTuFj42h2X9k92DsbNAgvC", zeros, "hello"));
        Assert.Null(BitcoinMessage.RecoverPublicKey(zeros, "hello"));
    }

    [Fact]
    public void A_malformed_address_is_a_format_error_not_a_mismatch()
    {
        var vector = SignMessageVector.Load()[0];
        Assert.Throws<FormatException>(() => BitcoinMessage.Verify("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0", vector.Signature, vector.Message));
    }
}
