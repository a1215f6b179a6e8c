using Granary.Core.Chk;
using Granary.Core.Mutable;

namespace Granary.Core.Tests.Mutable;

public class ShareCorruptionTests
{
    public static TheoryData<MutableFormat, string> Fields()
    {
        var data = new TheoryData<MutableFormat, string>();
        foreach (var format in new[] { MutableFormat.Sdmf, MutableFormat.Mdmf })
        {
            foreach (var field in new[] { "prefix", "public key", "signature", "chain", "block hash tree", "block", "salt" })
            {
                if (!(format == MutableFormat.Sdmf && field == "salt"))
                {
                    data.Add(format, field);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void A_flipped_bit_anywhere_a_reader_checks_makes_the_share_corrupt(MutableFormat format, string field)
    {
        var cap = ShareTesting.CapOf(ShareTesting.Key, format);
        var plaintext = ShareTesting.RandomBytes(new Random(3), format == MutableFormat.Mdmf ? 300000 : 5000);
        var encoded = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, plaintext, 3, 10, 2);
        var bytes = encoded.Shares[4].ToArray();
        var o = encoded.Version.Offsets;
        long at = field switch
        {
            "prefix" => 20,
            "public key" => o.VerificationKey + 100,
            "signature" => o.Signature + 5,
            "chain" => o.ShareHashChain + 40,
            "block hash tree" => o.BlockHashTree + 1,
            "block" => o.ShareData + (format == MutableFormat.Mdmf ? 16 + 16 + 43691 : 0) + 7,
            "salt" => o.ShareData + 16 + 43691 + 3,
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        bytes[at] ^= 0x10;

        var share = MutableShare.Parse(4, bytes);
        var error = Assert.Throws<CorruptShareException>(() => share.Validate(cap.Fingerprint));
        Assert.Equal(4, error.ShareNumber);

        // The other shares still make the file.
        var all = encoded.Shares.Select((s, j) => (j, (ReadOnlyMemory<byte>)(j == 4 ? bytes : s)));
        var read = MutableFileReader.Read(cap.ReadCap, all);
        Assert.Equal(plaintext, read.Data);
        Assert.Equal(encoded.Version, read.Version);
        if (field != "prefix")
        {
            Assert.Contains(read.Problems, p => p.StartsWith("Share 4 is corrupt", StringComparison.Ordinal));
        }

        // A changed header names another version, one share strong, which is never read.
    }

    [Fact]
    public void A_corrupt_encrypted_private_key_stops_a_writer_not_a_reader()
    {
        var cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Mdmf);
        var encoded = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, new byte[100], 3, 10, 1);
        var bytes = encoded.Shares[0].ToArray();
        bytes[encoded.Version.Offsets.EncryptedPrivateKey + 500] ^= 1;
        var share = MutableShare.Parse(0, bytes);

        share.Validate(cap.Fingerprint);
        Assert.Contains("does not decrypt", Assert.Throws<CorruptShareException>(() => share.RecoverPrivateKey(cap)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_good_shares_is_not_enough_and_says_why()
    {
        var cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Sdmf);
        var encoded = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, new byte[100], 3, 10, 1);
        var two = encoded.Shares.Take(2).Select((s, j) => (j, (ReadOnlyMemory<byte>)s));
        Assert.Throws<NotEnoughSharesException>(() => MutableFileReader.Read(cap.ReadCap, two));

        var garbage = new[] { (0, (ReadOnlyMemory<byte>)new byte[] { 9, 9, 9 }) };
        Assert.Contains("neither SDMF", Assert.Throws<NotEnoughSharesException>(() => MutableFileReader.Read(cap.ReadCap, garbage)).Message, StringComparison.Ordinal);
    }
}
