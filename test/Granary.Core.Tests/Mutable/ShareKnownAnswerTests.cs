using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Mutable;
using Granary.Testing.Vectors;

namespace Granary.Core.Tests.Mutable;

public class ShareKnownAnswerTests
{
    public static TheoryData<int> KatIndexes => MutableSample.Indexes(MutableSample.ShareKats.Count);

    public static TheoryData<int> UpdateKatIndexes
    {
        get
        {
            var data = new TheoryData<int>();
            var kats = MutableSample.ShareKats;
            for (var i = 0; i < kats.Count; i++)
            {
                if (kats[i].Update is not null)
                {
                    data.Add(i);
                }
            }

            return data;
        }
    }

    [Fact]
    public void The_sample_holds_13_share_KATs_4_with_Tahoes_share_0()
    {
        Assert.Equal(13, MutableSample.ShareKats.Count);
        Assert.Equal(4, MutableSample.ShareKats.Count(k => k.Share0 is not null));
        Assert.Equal(3, MutableSample.ShareKats.Count(k => k.Update is not null));
    }

    [Theory]
    [MemberData(nameof(KatIndexes))]
    public void Every_share_KAT_is_reproduced_byte_for_byte_apart_from_the_signature(int index)
    {
        var kat = MutableSample.ShareKats[index];
        using var key = ShareTesting.KeyOfVector(kat.KeyCap);
        var cap = MutableWriteCap.FromKey(key, kat.Format);

        var encoded = MutableShareEncoder.EncodeFile(key, cap, kat.Plaintext, kat.K, kat.N, kat.Seqnum, kat.Salts);

        Assert.Equal(kat.N, encoded.Shares.Count);
        Assert.Equal(kat.Share0Length, encoded.Shares[0].Length);
        Assert.Equal(kat.SignatureZeroedSha256, encoded.Shares.Select(ShareTesting.SignatureZeroedSha256));
    }

    [Theory]
    [MemberData(nameof(UpdateKatIndexes))]
    public void Update_KATs_describe_the_plaintext_they_say(int index)
    {
        var kat = MutableSample.ShareKats[index];
        Assert.Equal(kat.Update!.PlaintextSha256, Hex.Of(SHA256.HashData(kat.Plaintext)));
    }

    [Theory]
    [MemberData(nameof(KatIndexes))]
    public void Tahoes_own_share_0_validates_and_decrypts(int index)
    {
        var kat = MutableSample.ShareKats[index];
        if (kat.Share0 is null)
        {
            return;
        }

        using var key = ShareTesting.KeyOfVector(kat.KeyCap);
        var cap = MutableWriteCap.FromKey(key, kat.Format);
        var share = MutableShare.Parse(0, kat.Share0);

        Assert.Equal(kat.Share0Length, kat.Share0.Length);
        Assert.Equal(kat.SignatureZeroedSha256[0], ShareTesting.SignatureZeroedSha256(kat.Share0));
        Assert.Equal(kat.Seqnum, share.Version.Seqnum);
        share.Validate(cap.Fingerprint);
        using var recovered = share.RecoverPrivateKey(cap);
        Assert.Equal(Hex.Of(key.PrivateKeyDer), Hex.Of(recovered.PrivateKeyDer));

        if (kat.K == 1)
        {
            var read = MutableFileReader.Read(cap.ReadCap, [(0, kat.Share0)]);
            Assert.Equal(kat.Plaintext, read.Data);
            Assert.Empty(read.Problems);
        }
    }

    [Fact]
    public void Our_shares_equal_Tahoes_share_0_outside_the_signature()
    {
        var kat = MutableSample.ShareKats.First(k => k.Name == "mdmf-56-k1n1");
        using var key = ShareTesting.KeyOfVector(kat.KeyCap);
        var encoded = MutableShareEncoder.EncodeFile(key, MutableWriteCap.FromKey(key, kat.Format), kat.Plaintext, kat.K, kat.N, kat.Seqnum, kat.Salts);
        var ours = encoded.Shares[0];
        var o = encoded.Version.Offsets;

        Assert.Equal(Hex.Of(kat.Share0.AsSpan(0, (int)o.Signature)), Hex.Of(ours.AsSpan(0, (int)o.Signature)));
        Assert.Equal(Hex.Of(kat.Share0.AsSpan((int)o.VerificationKey)), Hex.Of(ours.AsSpan((int)o.VerificationKey)));
    }

    [Theory]
    [MemberData(nameof(UpdateKatIndexes))]
    public void An_in_place_update_reproduces_Tahoes_updated_shares(int index)
    {
        var kat = MutableSample.ShareKats[index];
        var update = kat.Update!;
        using var key = ShareTesting.KeyOfVector(kat.KeyCap);
        var cap = MutableWriteCap.FromKey(key, MutableFormat.Mdmf);
        var plan = MdmfUpdate.Plan(MutableParameters.ForNewVersion(MutableFormat.Mdmf, kat.K, kat.N, update.OldPlaintext.Length), update.Offset, update.NewLength);

        // The old version: the KAT's salts where the update keeps segments, anything where it rewrites them.
        var random = new Random(index);
        var oldSalts = Enumerable.Range(0, plan.OldParameters.SegmentCount)
            .Select(s => plan.Rewrites(s) ? ShareTesting.RandomBytes(random, 16) : kat.Salts[s]).ToList();
        var old = MutableShareEncoder.EncodeFile(key, cap, update.OldPlaintext, kat.K, kat.N, 1, oldSalts);

        var newData = Enumerable.Repeat(update.NewByte, update.NewLength).ToArray();
        var updated = UpdateTesting.Apply(key, cap, ShareTesting.Parse(old.Shares), plan, newData, s => kat.Salts[s], kat.Seqnum);

        Assert.Equal(kat.SignatureZeroedSha256, updated.Select(ShareTesting.SignatureZeroedSha256));
        Assert.Equal(kat.Plaintext, MutableFileReader.Read(cap.ReadCap, updated.Select((bytes, j) => (j, (ReadOnlyMemory<byte>)bytes))).Data);
    }
}
