using Granary.Core.Chk;
using Granary.Core.Mutable;

namespace Granary.Core.Tests.Mutable;

public class ShareRoundTripTests
{
    public static TheoryData<MutableFormat, int, int, int> Shapes()
    {
        var data = new TheoryData<MutableFormat, int, int, int>();
        foreach (var format in new[] { MutableFormat.Sdmf, MutableFormat.Mdmf })
        {
            foreach (var (k, n) in new[] { (1, 1), (3, 10), (71, 255) })
            {
                var segment = (int)MutableParameters.ForNewVersion(MutableFormat.Mdmf, k, n, 0).SegmentSize;
                int[] sizes = [0, 1, 55, 56, 1000, 131071, 131072, 131073, segment - 1, segment, segment + 1, 2 * segment, 2 * segment + 1];
                foreach (var size in sizes.Distinct())
                {
                    data.Add(format, k, n, size);
                }
            }

            data.Add(format, 3, 10, 5 * 131073 + 17);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Encode_parse_validate_and_decode_give_the_plaintext_back(MutableFormat format, int k, int n, int size)
    {
        var seed = HashCode.Combine(format, k, n, size);
        var random = new Random(seed);
        var plaintext = ShareTesting.RandomBytes(random, size);
        var cap = ShareTesting.CapOf(ShareTesting.Key, format);

        var encoded = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, plaintext, k, n, 7, ShareTesting.RandomSalts(random, format, size, k));
        var shares = ShareTesting.Parse(encoded.Shares);

        Assert.All(shares, share =>
        {
            Assert.Equal(encoded.Version, share.Version);
            share.Validate(cap.Fingerprint);
        });
        Assert.Equal(7UL, encoded.Version.Seqnum);
        using (var recovered = shares[^1].RecoverPrivateKey(cap))
        {
            Assert.True(cap.Matches(recovered));
        }

        // Any k shares: the first k (no decoding), the last k (all parity when n ≥ 2k), a random k.
        var decoder = new MutableDecoder(encoded.Version, cap.ReadKey);
        var randomPick = shares.OrderBy(_ => random.Next()).Take(k).ToList();
        foreach (var pick in new[] { shares.Take(k).ToList(), shares.Skip(n - k).ToList(), randomPick })
        {
            Assert.True(plaintext.AsSpan().SequenceEqual(decoder.DecodeRange(pick, 0, long.MaxValue)), $"seed {seed}");
        }

        if (size > 0)
        {
            var offset = random.NextInt64(size);
            var count = random.NextInt64(size - offset) + 1;
            Assert.True(plaintext.AsSpan((int)offset, (int)count).SequenceEqual(decoder.DecodeRange(randomPick, offset, count)), $"seed {seed}");
        }
    }

    [Fact]
    public void A_read_of_several_segments_decodes_only_the_range_asked_for()
    {
        var random = new Random(11);
        var plaintext = ShareTesting.RandomBytes(random, 4 * 131073 + 5);
        var cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Mdmf);
        var encoded = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, plaintext, 3, 10, 1);

        var read = MutableFileReader.Read(cap.ReadCap, encoded.Shares.Select((s, j) => (j, (ReadOnlyMemory<byte>)s)), 131070, 131080);

        Assert.Equal(plaintext.AsSpan(131070, 131080).ToArray(), read.Data);
        Assert.Equal(4 * 131073 + 5, read.Version.Parameters.DataLength);
        Assert.Empty(MutableFileReader.Read(cap.ReadCap, encoded.Shares.Select((s, j) => (j, (ReadOnlyMemory<byte>)s)), plaintext.Length, 10).Data);
    }

    [Fact]
    public void Fresh_salts_make_two_publishes_of_the_same_plaintext_differ()
    {
        var cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Mdmf);
        var a = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, new byte[1000], 3, 10, 1);
        var b = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, new byte[1000], 3, 10, 1);
        Assert.NotEqual(Hex.Of(a.Version.RootHash), Hex.Of(b.Version.RootHash));
    }

    [Fact]
    public void Streaming_segment_by_segment_gives_the_same_shares_as_encoding_whole()
    {
        var random = new Random(5);
        var plaintext = ShareTesting.RandomBytes(random, 3 * 131073 + 100);
        var salts = ShareTesting.RandomSalts(random, MutableFormat.Mdmf, plaintext.Length, 3);
        var cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Mdmf);
        var whole = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, plaintext, 3, 10, 4, salts);

        // A streaming writer: segments in reverse order, each sent as salt||block at its offset, then the fields.
        var p = MutableParameters.ForNewVersion(MutableFormat.Mdmf, 3, 10, plaintext.Length);
        var encoder = new MutableShareEncoder(cap, p);
        var shares = Enumerable.Range(0, 10).Select(_ => new byte[whole.Shares[0].Length]).ToArray();
        for (var s = p.SegmentCount - 1; s >= 0; s--)
        {
            var stride = p.SegmentDataLength(s);
            var data = new byte[10 * stride];
            encoder.EncodeSegment(s, plaintext.AsSpan((int)p.SegmentOffset(s), p.SegmentLengthOf(s)), salts[s], data);
            for (var j = 0; j < 10; j++)
            {
                data.AsSpan(j * stride, stride).CopyTo(shares[j].AsSpan((int)(MutableShareOffsets.MdmfShareData + p.SegmentDataOffset(s))));
            }
        }

        var signed = encoder.Finish(ShareTesting.Key, 4);
        for (var j = 0; j < 10; j++)
        {
            foreach (var (offset, bytes) in signed.FieldWrites(j))
            {
                bytes.CopyTo(shares[j].AsSpan((int)offset));
            }

            Assert.Equal(ShareTesting.SignatureZeroedSha256(whole.Shares[j]), ShareTesting.SignatureZeroedSha256(shares[j]));
        }
    }

    [Fact]
    public void An_encoder_refuses_to_finish_with_segments_missing_or_a_foreign_key()
    {
        var cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Mdmf);
        var encoder = new MutableShareEncoder(cap, MutableParameters.ForNewVersion(MutableFormat.Mdmf, 1, 1, 200000));
        encoder.EncodeSegment(0, new byte[131072], new byte[16], new byte[16 + 131072]);
        Assert.Throws<InvalidOperationException>(() => encoder.Finish(ShareTesting.Key, 1));
        encoder.EncodeSegment(1, new byte[200000 - 131072], new byte[16], new byte[16 + 200000 - 131072]);
        Assert.Throws<ArgumentException>(() => encoder.Finish(ShareTesting.OtherKey, 1));
        Assert.Throws<ArgumentException>(() => new MutableShareEncoder(cap, MutableParameters.ForNewVersion(MutableFormat.Sdmf, 1, 1, 1)));
    }

    [Fact]
    public void Mutable_files_allow_at_most_255_shares()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MutableParameters.ForNewVersion(MutableFormat.Mdmf, 3, 256, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => MutableParameters.ForNewVersion(MutableFormat.Mdmf, 11, 10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => MutableParameters.ForNewVersion(MutableFormat.Mdmf, 0, 10, 10));
    }

    [Fact]
    public void An_unknown_writer_cannot_recover_the_private_key()
    {
        var cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Sdmf);
        var share = ShareTesting.Parse(MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, new byte[10], 1, 1, 1).Shares)[0];
        var stranger = ShareTesting.CapOf(ShareTesting.OtherKey, MutableFormat.Sdmf);
        Assert.Throws<CorruptShareException>(() => share.RecoverPrivateKey(stranger));
        Assert.Throws<CorruptShareException>(() => share.Validate(stranger.Fingerprint));
    }
}
