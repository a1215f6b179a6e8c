using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Testing;

namespace Granary.Core.Tests.Chk;

public class CorruptionTests
{
    private static async Task<(EncodedFile File, byte[] Plaintext)> SmallFileAsync()
    {
        var plaintext = new byte[200];
        new Random(200).NextBytes(plaintext);
        return (await EncodedFile.CreateAsync(plaintext, new EncodingParameters(3, 10, 90)), plaintext);
    }

    [Fact]
    public async Task Flipping_any_byte_of_a_share_is_caught_and_blamed_on_that_share()
    {
        var (file, _) = await SmallFileAsync();
        const int victim = 4;
        var original = file.Shares[victim];
        for (var offset = 0; offset < original.Length; offset++)
        {
            var shares = file.Shares.ToArray();
            shares[victim] = original.ToArray();
            shares[victim][offset] ^= 0x40;
            var error = Assert.Throws<CorruptShareException>(() => EncodedFile.Decode(shares, [1, victim, 8], file.Cap));
            Assert.True(error.ShareNumber == victim, $"flipping byte {offset} blamed share {error.ShareNumber}: {error.Message}");
        }
    }

    [Theory]
    [InlineData("block")]
    [InlineData("crypttext hash tree")]
    [InlineData("block hash tree")]
    [InlineData("share hashes")]
    [InlineData("uri extension")]
    public async Task Corruption_in_each_region_names_the_share_whichever_position_it_takes(string region)
    {
        var (file, _) = await SmallFileAsync();
        var header = file.Encoding.Header;
        var offset = region switch
        {
            "block" => header.BlockOffset(2) + 3,
            "crypttext hash tree" => header.CrypttextHashTreeOffset + 40,
            "block hash tree" => header.BlockHashesOffset + 100,
            "share hashes" => header.ShareHashesOffset + 10,
            _ => header.UriExtensionOffset + 8 + 20,
        };
        foreach (var victim in new[] { 0, 5, 9 })
        {
            var shares = file.Shares.Select(s => s.ToArray()).ToArray();
            shares[victim][offset] ^= 1;
            int[] chosen = victim == 0 ? [0, 1, 2] : [3, victim, 7 == victim ? 8 : 7];
            var error = Assert.Throws<CorruptShareException>(() => EncodedFile.Decode(shares, chosen, file.Cap));
            Assert.Equal(victim, error.ShareNumber);
        }
    }

    [Fact]
    public async Task A_corrupt_share_that_is_not_used_does_not_stop_decoding()
    {
        var (file, plaintext) = await SmallFileAsync();
        var shares = file.Shares.Select(s => s.ToArray()).ToArray();
        shares[0][file.Encoding.Header.BlockOffset(0)] ^= 1;
        Assert.Equal(plaintext, EncodedFile.Decode(shares, [1, 2, 3], file.Cap));
    }

    [Fact]
    public async Task A_truncated_share_is_named()
    {
        var (file, _) = await SmallFileAsync();
        var shares = file.Shares.ToArray();
        shares[6] = shares[6][..^1];
        Assert.Equal(6, Assert.Throws<CorruptShareException>(() => EncodedFile.Decode(shares, [6, 1, 2], file.Cap)).ShareNumber);
    }

    [Fact]
    public async Task Shares_of_another_file_fail_against_this_cap()
    {
        var (file, _) = await SmallFileAsync();
        var other = await EncodedFile.CreateAsync(new byte[200], new EncodingParameters(3, 10, 90));
        var error = Assert.Throws<CorruptShareException>(() => EncodedFile.Decode(other.Shares, [0, 1, 2], file.Cap));
        Assert.Contains("URI extension block does not match", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_length_block_is_rejected_before_use()
    {
        var (file, _) = await SmallFileAsync();
        using var decoder = new ChkDecoder(file.Cap);
        decoder.AcceptShare(2, file.Shares[2]);
        var error = Assert.Throws<CorruptShareException>(() => decoder.VerifyBlock(2, 0, new byte[29]));
        Assert.Equal(2, error.ShareNumber);
    }

    [Fact]
    public async Task A_cap_with_the_right_hash_but_other_numbers_is_refused()
    {
        var (file, _) = await SmallFileAsync();
        var lying = new ChkReadCap(file.Cap.Key, file.Cap.UriExtensionHash, 3, 10, 201);
        Assert.Throws<CorruptFileException>(() => EncodedFile.Decode(file.Shares, [0, 1, 2], lying));
    }
}
