using Granary.Core.Hashing;

namespace Granary.Core.Mutable;

/// <summary>
/// An in-place write to an MDMF file (mutable-dirnode §15): which segments change, and what the new
/// version looks like.
/// </summary>
/// <remarks>
/// Design: with the old version's segment size, the write touches segments
/// <see cref="FirstSegment"/> … <see cref="LastSegment"/> (through the new end when it grows the file).
/// Only those are re-encrypted, each with a fresh salt; every other segment keeps its salt and
/// blocks, so the client neither reads nor rewrites them — it copies their leaf hashes out of the
/// old block hash trees (<see cref="CopyLeaves"/>) into a <see cref="MutableShareEncoder"/> with
/// <see cref="MutableShareEncoder.KeepSegment"/>. The result is byte-identical to a full publish of
/// the new plaintext with that salt assignment. To build the new touched segments the client needs
/// the old plaintext of the first and last touched segments (the bytes around the write); only the
/// existing share locations are written; k, N and the segment size are the old version's.
/// </remarks>
public sealed record MdmfUpdate
{
    private const int HashSize = MutableSecrets.HashSize;

    private MdmfUpdate(MutableParameters oldParameters, MutableParameters newParameters, long offset, long length, int firstSegment, int lastSegment)
    {
        OldParameters = oldParameters;
        NewParameters = newParameters;
        Offset = offset;
        Length = length;
        FirstSegment = firstSegment;
        LastSegment = lastSegment;
    }

    public MutableParameters OldParameters { get; }

    /// <summary>The new version's parameters: the old k, N and segment size, the new length.</summary>
    public MutableParameters NewParameters { get; }

    public long Offset { get; }

    public long Length { get; }

    /// <summary>The first segment re-encoded: <c>offset / segsize</c>.</summary>
    public int FirstSegment { get; }

    /// <summary>The last segment re-encoded: the one holding the write's last byte, or the new last segment when the write grows the file.</summary>
    public int LastSegment { get; }

    /// <summary>Plans writing <paramref name="length"/> (≥ 1) bytes at <paramref name="offset"/> (at most the old length) of an MDMF version.</summary>
    public static MdmfUpdate Plan(MutableParameters oldParameters, long offset, long length)
    {
        ArgumentNullException.ThrowIfNull(oldParameters);
        if (oldParameters.Format != MutableFormat.Mdmf)
        {
            throw new ArgumentException("Only MDMF files are updated in place; an SDMF file is republished whole.", nameof(oldParameters));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, oldParameters.DataLength);
        var end = checked(offset + length);
        var newLength = Math.Max(oldParameters.DataLength, end);
        var updated = new MutableParameters(MutableFormat.Mdmf, oldParameters.K, oldParameters.N, oldParameters.SegmentSize, newLength);
        var first = (int)(offset / oldParameters.SegmentSize);
        var last = end < oldParameters.DataLength ? (int)((end - 1) / oldParameters.SegmentSize) : updated.SegmentCount - 1;
        return new MdmfUpdate(oldParameters, updated, offset, length, first, last);
    }

    /// <summary>Whether <paramref name="segment"/> of the new version is re-encoded (otherwise it is kept).</summary>
    public bool Rewrites(int segment) => segment >= FirstSegment && segment <= LastSegment;

    /// <summary>
    /// The new plaintext of rewritten <paramref name="segment"/>: the old segment's bytes (decoded
    /// from the old version; empty past the old end) with the write's bytes laid over them.
    /// </summary>
    /// <param name="oldSegment">The old plaintext of the same segment, or empty if the old version had no such segment.</param>
    /// <param name="data">All the bytes being written.</param>
    public byte[] NewSegmentPlaintext(int segment, ReadOnlySpan<byte> oldSegment, ReadOnlySpan<byte> data)
    {
        if (!Rewrites(segment))
        {
            throw new ArgumentOutOfRangeException(nameof(segment), $"Segment {segment} is kept, not rewritten.");
        }

        if (data.Length != Length)
        {
            throw new ArgumentException($"The write is {Length} bytes, not {data.Length}.", nameof(data));
        }

        var start = NewParameters.SegmentOffset(segment);
        var plaintext = new byte[NewParameters.SegmentLengthOf(segment)];
        oldSegment[..Math.Min(oldSegment.Length, plaintext.Length)].CopyTo(plaintext);
        var from = Math.Max(start, Offset);
        var to = Math.Min(start + plaintext.Length, Offset + Length);
        if (to > from)
        {
            data.Slice((int)(from - Offset), (int)(to - from)).CopyTo(plaintext.AsSpan((int)(from - start)));
        }

        return plaintext;
    }

    /// <summary>
    /// The leaf hashes of kept <paramref name="segment"/>, share j's at <c>j · 32</c> of
    /// <paramref name="destination"/>, from the old version's block hash trees (share j's at index j,
    /// each already checked).
    /// </summary>
    public void CopyLeaves(IReadOnlyList<ReadOnlyMemory<byte>> oldBlockHashTrees, int segment, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(oldBlockHashTrees);
        if (Rewrites(segment) || segment >= OldParameters.SegmentCount)
        {
            throw new ArgumentOutOfRangeException(nameof(segment), $"Segment {segment} is rewritten, so it has no old leaves to keep.");
        }

        if (oldBlockHashTrees.Count != OldParameters.N || destination.Length < OldParameters.N * HashSize)
        {
            throw new ArgumentException($"Kept leaves come from all {OldParameters.N} old block hash trees.", nameof(oldBlockHashTrees));
        }

        var firstLeaf = MerkleTree.WidthFor(Math.Max(1, OldParameters.SegmentCount)) - 1;
        for (var j = 0; j < OldParameters.N; j++)
        {
            var tree = oldBlockHashTrees[j].Span;
            if (tree.Length != OldParameters.BlockHashTreeNodeCount * HashSize)
            {
                throw new ArgumentException($"Share {j}'s old block hash tree has the wrong size.", nameof(oldBlockHashTrees));
            }

            tree.Slice((firstLeaf + segment) * HashSize, HashSize).CopyTo(destination[(j * HashSize)..]);
        }
    }
}
