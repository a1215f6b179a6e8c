using Granary.Core.Leases;
using Granary.Core.Mutable;

namespace Granary.Core.Tests.Mutable;

public class MdmfUpdateTests
{
    [Theory]
    [InlineData(140000, 1000, 1, 1)]
    [InlineData(131000, 200, 0, 1)]
    [InlineData(300000, 300000, 2, 4)]
    [InlineData(0, 1, 0, 0)]
    [InlineData(299999, 1, 2, 2)]
    [InlineData(262146, 10, 2, 2)]
    [InlineData(131073, 131073, 1, 1)]
    [InlineData(131073, 131074, 1, 2)]
    public void The_plan_rewrites_from_the_first_touched_segment_to_the_last_or_the_new_end(long offset, long length, int first, int last)
    {
        var old = MutableParameters.ForNewVersion(MutableFormat.Mdmf, 3, 10, 300000);
        var plan = MdmfUpdate.Plan(old, offset, length);
        Assert.Equal((first, last), (plan.FirstSegment, plan.LastSegment));
        Assert.Equal(Math.Max(300000, offset + length), plan.NewParameters.DataLength);
        Assert.Equal(old.SegmentSize, plan.NewParameters.SegmentSize);
    }

    [Fact]
    public void Only_MDMF_is_updated_in_place_and_only_within_or_at_the_end()
    {
        Assert.Throws<ArgumentException>(() => MdmfUpdate.Plan(MutableParameters.ForNewVersion(MutableFormat.Sdmf, 3, 10, 100), 0, 1));
        var old = MutableParameters.ForNewVersion(MutableFormat.Mdmf, 3, 10, 100);
        Assert.Throws<ArgumentOutOfRangeException>(() => MdmfUpdate.Plan(old, 101, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MdmfUpdate.Plan(old, 0, 0));
        Assert.Equal((0, 0), (MdmfUpdate.Plan(MutableParameters.ForNewVersion(MutableFormat.Mdmf, 3, 10, 0), 0, 5).FirstSegment, 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void A_random_in_place_update_equals_a_full_publish_with_the_same_salts(int seed)
    {
        var random = new Random(seed);
        var (k, n) = random.Next(3) switch { 0 => (1, 1), 1 => (3, 10), _ => (7, 12) };
        var segment = MutableParameters.ForNewVersion(MutableFormat.Mdmf, k, n, 0).SegmentSize;
        var oldPlaintext = ShareTesting.RandomBytes(random, (int)(random.NextInt64(5 * segment) + 1));
        var offset = random.NextInt64(oldPlaintext.Length + 1);
        var data = ShareTesting.RandomBytes(random, (int)random.NextInt64(1, 2 * segment));
        var cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Mdmf);
        var oldSalts = ShareTesting.RandomSalts(random, MutableFormat.Mdmf, oldPlaintext.Length, k);
        var old = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, oldPlaintext, k, n, 3, oldSalts);

        var plan = MdmfUpdate.Plan(old.Version.Parameters, offset, data.Length);
        var newSalts = Enumerable.Range(0, plan.NewParameters.SegmentCount)
            .Select(s => plan.Rewrites(s) ? ShareTesting.RandomBytes(random, 16) : oldSalts[s]).ToList();
        var updated = UpdateTesting.Apply(ShareTesting.Key, cap, ShareTesting.Parse(old.Shares), plan, data, s => newSalts[s], 4);

        var expected = new byte[plan.NewParameters.DataLength];
        oldPlaintext.CopyTo(expected, 0);
        data.CopyTo(expected, offset);
        var full = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, expected, k, n, 4, newSalts);
        Assert.True(
            full.Shares.Select(ShareTesting.SignatureZeroedSha256).SequenceEqual(updated.Select(ShareTesting.SignatureZeroedSha256)),
            $"seed {seed}: {oldPlaintext.Length} bytes, write {data.Length} at {offset}");
        Assert.Equal(expected, MutableFileReader.Read(cap.ReadCap, updated.Select((s, j) => (j, (ReadOnlyMemory<byte>)s))).Data);
    }

    [Fact]
    public void An_update_sent_as_pieces_over_the_old_container_leaves_the_new_version_there()
    {
        var random = new Random(99);
        var cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Mdmf);
        var oldPlaintext = ShareTesting.RandomBytes(random, 300000);
        var old = MutableShareEncoder.EncodeFile(ShareTesting.Key, cap, oldPlaintext, 3, 10, 1);
        var server = new byte[20];
        var secrets = MutableSlotSecrets.For(cap, new LeaseSecrets("lease secret"u8), server);
        var containers = old.Shares.Select(s => MutableContainer.Parse(MutableContainer.CreateEmpty(server, secrets.WriteEnabler)).ApplyWrites([(0, s)], null)).ToList();

        // Write 50 bytes into the middle segment: only that segment's pieces and the new fields travel.
        var data = Enumerable.Repeat((byte)'Q', 50).ToArray();
        var plan = MdmfUpdate.Plan(old.Version.Parameters, 140000, data.Length);
        var shares = containers.Select((c, j) => MutableShare.Parse(j, MutableContainer.Parse(c).Data)).ToList();
        var decoder = new MutableDecoder(old.Version, cap.ReadKey);
        var encoder = new MutableShareEncoder(cap, plan.NewParameters);
        var segmentData = new byte[10 * plan.NewParameters.SegmentDataLength(1)];
        for (var s = 0; s < plan.NewParameters.SegmentCount; s++)
        {
            if (plan.Rewrites(s))
            {
                var oldSegment = decoder.DecodeRange(shares, plan.OldParameters.SegmentOffset(s), plan.OldParameters.SegmentLengthOf(s));
                encoder.EncodeSegment(s, plan.NewSegmentPlaintext(s, oldSegment, data), MutableShareEncoder.NewSalt(), segmentData);
            }
            else
            {
                var leaves = new byte[10 * 32];
                plan.CopyLeaves([.. shares.Select(x => x.BlockHashTree)], s, leaves);
                encoder.KeepSegment(s, leaves);
            }
        }

        var signed = encoder.Finish(ShareTesting.Key, 2);
        var stride = plan.NewParameters.SegmentDataLength(1);
        var updated = new List<byte[]>();
        for (var j = 0; j < 10; j++)
        {
            var vectors = MutableSlotWrites.Pieces(signed, j, new Dictionary<int, byte[]> { [1] = segmentData.AsSpan(j * stride, stride).ToArray() }, MutableSlotWrites.MustStillHold(old.Version));
            var container = MutableContainer.Parse(containers[j]);
            Assert.True(container.Read(0, vectors.Test[0].Size).Span.SequenceEqual(vectors.Test[0].Specimen));
            Assert.True(vectors.Write.Sum(w => w.Data.Length) < old.Shares[j].Length / 2);
            updated.Add(container.ApplyWrites([.. vectors.Write.Select(w => (w.Offset, w.Data))], vectors.NewLength));
        }

        var expected = oldPlaintext.ToArray();
        data.CopyTo(expected, 140000);
        var read = MutableFileReader.Read(cap.ReadCap, updated.Select((c, j) => (j, MutableContainer.Parse(c).Data)));
        Assert.Equal(2UL, read.Version.Seqnum);
        Assert.Equal(expected, read.Data);
        Assert.Empty(read.Problems);
    }
}
