using Granary.Core.Identity;

namespace Granary.Core.Tests.Identity;

public class KeyAndAddressTests
{
    [Theory]
    [MemberData(nameof(SignMessageVector.Indexes), MemberType = typeof(SignMessageVector))]
    public void Every_vector_WIF_gives_its_address_and_round_trips(int index)
    {
        var vector = SignMessageVector.Load()[index];
        using var key = PrivateKey.ParseWif(vector.Wif);
        Assert.Equal(vector.Compressed, key.Compressed);
        Assert.Equal(vector.Address, key.Address.ToString());
        Assert.Equal(vector.Wif, key.ToWif());
    }

    [Fact]
    public void The_same_secret_has_different_compressed_and_uncompressed_addresses_but_one_node_id()
    {
        // dataserv-kat.json: the uncompressed WIF of the same secret.
        using var compressed = PrivateKey.ParseWif("KwpoWJhfAAqZJSpidUDFJThWqeYJBHFvxev9eX58EjViNrhXF4dC");
        using var uncompressed = PrivateKey.ParseWif("5HxEi5TtErooHe7jWZStGjkcm6ncA8JtCFUuFqxJxDoP4h8Lg8M");
        Assert.Equal("16873MvVo6D4gTuFj42h2X9k92DsbNAgvC", compressed.Address.ToString());
        Assert.Equal("152UKbK3KwLmJnavGZewYxU4QFVyEnHfvC", uncompressed.Address.ToString());
        Assert.Equal(compressed.NodeId, uncompressed.NodeId);
        Assert.Equal(compressed.Address.ToString(), compressed.NodeId.ToAddress().ToString());
    }

    [Fact]
    public void Generated_keys_round_trip_through_WIF_on_both_networks()
    {
        foreach (var network in new[] { BitcoinNetwork.Mainnet, BitcoinNetwork.Testnet })
        {
            using var key = PrivateKey.Generate(network);
            using var back = PrivateKey.ParseWif(key.ToWif());
            Assert.Equal(key.Address, back.Address);
            Assert.Equal(network, back.Network);
            Assert.StartsWith(network == BitcoinNetwork.Mainnet ? "1" : "m", key.Address.ToString().Replace("n", "m", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_private_key_never_shows_its_secret()
    {
        using var key = PrivateKey.ParseWif("KwpoWJhfAAqZJSpidUDFJThWqeYJBHFvxev9eX58EjViNrhXF4dC");
        Assert.DoesNotContain("KwpoWJ", key.ToString(), StringComparison.Ordinal);
        Assert.Contains(key.Address.ToString(), key.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", true)]
    [InlineData("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", true)]
    [InlineData("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", true)]
    public void Valid_addresses_parse_and_format_back(string text, bool valid)
    {
        Assert.Equal(valid, BitcoinAddress.TryParse(text, out var address, out _));
        Assert.Equal(text, address!.ToString());
    }

    [Theory]
    [InlineData("12guBkWfVjiqBnu5yRdTseBB7wBM5WSWnn", "checksum does not match")]
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0", "'0' at position 33 is not a base58 character")]
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVNl", "'l' at position 33 is not a base58 character")]
    [InlineData("1An6UhWF92g", "an address is 25")]
    [InlineData("KwpoWJhfAAqZJSpidUDFJThWqeYJBHFvxev9eX58EjViNrhXF4dC", "an address is 25")]
    [InlineData("", "it is empty")]
    public void Invalid_addresses_are_rejected_with_the_reason(string text, string reason)
    {
        Assert.False(BitcoinAddress.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_address_with_an_unknown_version_byte_says_so()
    {
        var payload = new byte[21];
        payload[0] = 0x30; // Litecoin's P2PKH version
        var text = Granary.Core.Formats.Base58.EncodeCheck(payload);
        Assert.False(BitcoinAddress.TryParse(text, out _, out var error));
        Assert.Contains("version byte 0x30", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KwpoWJhfAAqZJSpidUDFJThWqeYJBHFvxev9eX58EjViNrhXF4dD", "checksum")]
    [InlineData("16873MvVo6D4gTuFj42h2X9k92DsbNAgvC", "version byte 0x00")]
    [InlineData("not a key", "not a base58 character")]
    public void Invalid_WIF_keys_are_rejected_with_the_reason(string text, string reason)
    {
        Assert.False(PrivateKey.TryParseWif(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Public_keys_must_be_points_on_the_curve()
    {
        using var key = PrivateKey.Generate();
        Assert.Equal(key.PublicKey, PublicKey.Parse(key.PublicKey.Bytes));
        var bad = key.PublicKey.Bytes.ToArray();
        bad[0] = 0x05;
        Assert.Throws<FormatException>(() => PublicKey.Parse(bad));
        Assert.Throws<FormatException>(() => PublicKey.Parse(new byte[32]));
        Assert.Equal(key.PublicKey, key.PublicKey.ToUncompressed().ToCompressed());
    }

    [Fact]
    public void Node_ids_parse_from_hex_and_from_addresses()
    {
        using var key = PrivateKey.ParseWif("KwpoWJhfAAqZJSpidUDFJThWqeYJBHFvxev9eX58EjViNrhXF4dC");
        Assert.Equal(key.NodeId, NodeId.Parse(key.NodeId.ToString()));
        Assert.Equal(key.NodeId, NodeId.Parse("16873MvVo6D4gTuFj42h2X9k92DsbNAgvC"));
        Assert.False(NodeId.TryParse("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", out _, out var error));
        Assert.Contains("P2SH", error, StringComparison.Ordinal);
        Assert.False(NodeId.TryParse("xyz", out _, out _));
    }
}
