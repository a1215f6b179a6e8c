using Granary.Core.Protocol;

namespace Granary.Core.Mutable;

/// <summary>
/// The test and write vectors of a publish (mutable-dirnode §12.3–§12.4), in the storage
/// protocol's own types. A share location never written must be empty; a share the servermap saw
/// must still hold the version seen (its checkstring), so that a concurrent writer is detected
/// instead of overwritten.
/// </summary>
public static class MutableSlotWrites
{
    /// <summary><c>(0, 1, "")</c>: the share must not exist (or be empty).</summary>
    public static TestVector MustNotExist() => new(0, 1, []);

    /// <summary>The share must still hold <paramref name="seen"/>: its checkstring (57 bytes SDMF, 41 MDMF).</summary>
    public static TestVector MustStillHold(MutableVersion seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        return new TestVector(0, seen.Checkstring.Length, seen.Checkstring.ToArray());
    }

    /// <summary>What to read back from every share of the slot, to spot surprise shares: the checkstring's extent.</summary>
    public static ReadVector CheckstringRead(MutableFormat format) => new(0, format == MutableFormat.Sdmf ? 57 : 41);

    /// <summary>A whole share written at offset 0 (every SDMF publish; allowed for MDMF).</summary>
    public static TestWriteVectors WholeShare(byte[] share, TestVector test)
    {
        ArgumentNullException.ThrowIfNull(share);
        ArgumentNullException.ThrowIfNull(test);
        return new TestWriteVectors([test], [new WriteVector(0, share)]);
    }

    /// <summary>
    /// An MDMF share written in pieces: the (re)written segments' data — share
    /// <paramref name="share"/>'s part of each <see cref="MutableShareEncoder.EncodeSegment"/> output,
    /// keyed by segment — then every other field of the new version. An in-place update passes only
    /// the segments it rewrote; the kept ones are already on the server.
    /// </summary>
    public static TestWriteVectors Pieces(MutableSignedVersion signed, int share, IReadOnlyDictionary<int, byte[]> segmentData, TestVector test)
    {
        ArgumentNullException.ThrowIfNull(signed);
        ArgumentNullException.ThrowIfNull(segmentData);
        ArgumentNullException.ThrowIfNull(test);
        var writes = new List<WriteVector>();
        foreach (var (segment, data) in segmentData.OrderBy(e => e.Key))
        {
            if (data.Length != signed.Version.Parameters.SegmentDataLength(segment))
            {
                throw new ArgumentException($"Segment {segment}'s share data is {signed.Version.Parameters.SegmentDataLength(segment)} bytes, not {data.Length}.", nameof(segmentData));
            }

            writes.Add(new WriteVector(signed.SegmentDataOffset(segment), data));
        }

        foreach (var (offset, data) in signed.FieldWrites(share))
        {
            writes.Add(new WriteVector(offset, data));
        }

        return new TestWriteVectors([test], writes);
    }
}
