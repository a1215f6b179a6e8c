using Granary.Core.Caps;
using Granary.Core.Mutable;

namespace Granary.Core.Tests.Mutable;

/// <summary>What a client does for an MDMF in-place update, against shares held in memory.</summary>
internal static class UpdateTesting
{
    /// <summary>
    /// Builds the new version's shares the way an updater would: decode only the old touched
    /// segments, re-encode the touched range with the given salts, keep every other segment's
    /// leaves and bytes, sign, and lay the new fields over copies of the old shares.
    /// </summary>
    public static List<byte[]> Apply(SigningKey key, MutableWriteCap cap, List<MutableShare> oldShares, MdmfUpdate plan, byte[] data, Func<int, byte[]> saltOf, ulong seqnum)
    {
        var oldVersion = oldShares[0].Version;
        foreach (var share in oldShares)
        {
            share.Validate(cap.Fingerprint);
        }

        var decoder = new MutableDecoder(oldVersion, cap.ReadKey);
        var p = plan.NewParameters;
        var encoder = new MutableShareEncoder(cap, p);
        var trees = oldShares.Select(s => s.BlockHashTree).ToList();
        var newSegments = new Dictionary<int, byte[]>();
        for (var s = 0; s < p.SegmentCount; s++)
        {
            if (!plan.Rewrites(s))
            {
                var leaves = new byte[p.N * 32];
                plan.CopyLeaves(trees, s, leaves);
                encoder.KeepSegment(s, leaves);
                continue;
            }

            var old = s < plan.OldParameters.SegmentCount
                ? decoder.DecodeRange(oldShares, plan.OldParameters.SegmentOffset(s), plan.OldParameters.SegmentLengthOf(s))
                : [];
            var segmentData = new byte[p.N * p.SegmentDataLength(s)];
            encoder.EncodeSegment(s, plan.NewSegmentPlaintext(s, old, data), saltOf(s), segmentData);
            newSegments[s] = segmentData;
        }

        var signed = encoder.Finish(key, seqnum);
        var result = new List<byte[]>();
        for (var j = 0; j < p.N; j++)
        {
            // Kept segments stay where they were: the old share's bytes up to the old data end.
            var share = new byte[signed.Version.Offsets.EndOfShare];
            var oldData = oldShares[j].ShareData.Span;
            foreach (var (offset, bytes) in signed.FieldWrites(j))
            {
                bytes.CopyTo(share.AsSpan((int)offset));
            }

            for (var s = 0; s < p.SegmentCount; s++)
            {
                var at = (int)(signed.Version.Offsets.ShareData + p.SegmentDataOffset(s));
                var length = p.SegmentDataLength(s);
                if (newSegments.TryGetValue(s, out var segmentData))
                {
                    segmentData.AsSpan(j * length, length).CopyTo(share.AsSpan(at));
                }
                else
                {
                    oldData.Slice((int)p.SegmentDataOffset(s), length).CopyTo(share.AsSpan(at));
                }
            }

            result.Add(share);
        }

        return result;
    }
}
