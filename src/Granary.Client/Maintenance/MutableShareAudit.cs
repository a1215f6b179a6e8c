using System.Net;
using System.Security.Cryptography;
using Granary.Client.Mutable;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Hashing;
using Granary.Core.Mutable;

namespace Granary.Client.Maintenance;

/// <summary>How one audit of one mutable share went, and what it learned about the file's version.</summary>
/// <param name="Verdict">Passed, or why not.</param>
/// <param name="Newer">A version above the one audited against, its signature checked: the file was written since.</param>
/// <param name="Stale">The node holds a sound share of an older version than the one audited against: not held, but no sign of dishonesty either.</param>
public sealed record MutableAuditResult(AuditVerdict Verdict, MutableVersion? Newer, bool Stale);

/// <summary>
/// Proof-of-retrievability audits of mutable (SDMF and MDMF) shares by an auditor that holds only
/// the verify cap. A mutable file changes, so there is no fixed root to pin: the auditor keeps the
/// newest version it has seen, whose header the file's key signed (the key checked against the
/// cap's fingerprint). Each audit reads the share's header and hash chain, the segments chosen at
/// challenge time with the cryptographic generator, and only the block hash tree nodes on their
/// paths, with ordinary ranged reads of the storage protocol, and checks them up to the signed root
/// hash. A node answering with a newer version passes if that version's signature holds; one
/// answering with an older version is stale (not counted as holding the file).
/// </summary>
public static class MutableShareAudit
{
    private const int HashSize = MutableSecrets.HashSize;

    // Trees up to this size are read in one range; larger ones node by node along the paths.
    private const int WholeTreeBytes = 64 * 1024;

    /// <summary>
    /// Reads share <paramref name="share"/>'s header from <paramref name="node"/> and checks its key
    /// against <paramref name="cap"/>'s fingerprint and its signature: the version the share holds.
    /// Throws <see cref="StorageException"/> when the node cannot be read, <see cref="CorruptShareException"/>
    /// when the share is not a sound one of this file.
    /// </summary>
    public static async Task<MutableVersion> ReadVersionAsync(StorageClient node, MutableVerifyCap cap, int share, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(cap);
        var prefix = await ReadAsync(node, cap.StorageIndex, share, 0, ServerMap.PrefixBytes, cancellationToken).ConfigureAwait(false);
        var version = ParseHeader(share, prefix);
        await CheckSignedAsync(node, cap, share, version, prefix, cancellationToken).ConfigureAwait(false);
        return version;
    }

    /// <summary>
    /// Audits share <paramref name="share"/> on <paramref name="node"/> against <paramref name="known"/>
    /// (a version already checked as signed) with <paramref name="segments"/> random segments. Whatever the
    /// node sends or fails to send within <paramref name="timeout"/> is a result, never an exception; only
    /// <paramref name="cancellationToken"/> itself being cancelled throws.
    /// </summary>
    /// <remarks>
    /// A node rewrites a mutable share in place while its owner publishes, so an audit that overlaps a
    /// publish can read a mix of two versions. A share that does not check out is therefore audited once
    /// more, with fresh segments, after <see cref="TornReadPause"/>; only a second failure counts.
    /// </remarks>
    public static async Task<MutableAuditResult> AuditAsync(
        StorageClient node, MutableVerifyCap cap, MutableVersion known, int share, int segments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(cap);
        ArgumentNullException.ThrowIfNull(known);
        ArgumentOutOfRangeException.ThrowIfNegative(share);
        ArgumentOutOfRangeException.ThrowIfLessThan(segments, 1);
        var (result, corrupt) = await AuditOnceAsync(node, cap, known, share, segments, timeout, cancellationToken).ConfigureAwait(false);
        if (!corrupt)
        {
            return result;
        }

        await Task.Delay(TornReadPause, cancellationToken).ConfigureAwait(false);
        return (await AuditOnceAsync(node, cap, known, share, segments, timeout, cancellationToken).ConfigureAwait(false)).Result;
    }

    /// <summary>How long an audit waits before reading again a share that did not check out (a publish may have been under way).</summary>
    public static readonly TimeSpan TornReadPause = TimeSpan.FromSeconds(1);

    // One audit; Corrupt when the share was read but did not check out.
    private static async Task<(MutableAuditResult Result, bool Corrupt)> AuditOnceAsync(
        StorageClient node, MutableVerifyCap cap, MutableVersion known, int share, int segments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var prefix = await ReadAsync(node, cap.StorageIndex, share, 0, ServerMap.PrefixBytes, deadline.Token).ConfigureAwait(false);
            var version = ParseHeader(share, prefix);
            MutableVersion? newer = null;
            if (version != known)
            {
                await CheckSignedAsync(node, cap, share, version, prefix, deadline.Token).ConfigureAwait(false);
                if (version < known)
                {
                    return (new MutableAuditResult(AuditVerdict.Fail($"holds an older version (seqnum {version.Seqnum}; the file is at {known.Seqnum})"), null, Stale: true), false);
                }

                newer = version;
            }

            await CheckSegmentsAsync(node, cap.StorageIndex, share, version, prefix, ChooseSegments(version.Parameters.SegmentCount, segments), deadline.Token).ConfigureAwait(false);
            return (new MutableAuditResult(AuditVerdict.Pass, newer, Stale: false), false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (Failed("timed out"), false);
        }
        catch (CorruptShareException e)
        {
            return (Failed(e.Reason), true);
        }
        catch (StorageException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return (Failed("share not held"), false);
        }
        catch (StorageException e)
        {
            return (Failed(e.Status is null ? $"unreachable: {e.Reason}" : e.Reason), false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return (Failed($"unreachable: {e.Message}"), false);
        }
    }

    private static MutableAuditResult Failed(string reason) => new(AuditVerdict.Fail(reason), null, Stale: false);

    private static MutableVersion ParseHeader(int share, byte[] prefix) =>
        MutableVersion.TryParse(prefix, out var version) ? version! : throw new CorruptShareException(share, "it is too short for a mutable share header, or its header is malformed");

    // The key must hash to the cap's fingerprint and sign the version's prefix.
    private static async Task CheckSignedAsync(StorageClient node, MutableVerifyCap cap, int share, MutableVersion version, byte[] prefix, CancellationToken cancellationToken)
    {
        var o = version.Offsets;
        var key = MutableShareValidation.CheckVerifyingKey(
            share, await FieldAsync(node, cap.StorageIndex, share, prefix, o.VerificationKey, o.VerificationKeyEnd, cancellationToken).ConfigureAwait(false), cap.Fingerprint);
        var signature = await FieldAsync(node, cap.StorageIndex, share, prefix, o.Signature, o.Signature + SigningKey.SignatureSize, cancellationToken).ConfigureAwait(false);
        MutableShareValidation.CheckSignature(share, version, key, signature);
    }

    private static async Task CheckSegmentsAsync(
        StorageClient node, StorageIndex index, int share, MutableVersion version, byte[] prefix, int[] chosen, CancellationToken cancellationToken)
    {
        var p = version.Parameters;
        var o = version.Offsets;
        var (chainStart, chainEnd) = version.Format == MutableFormat.Sdmf ? (o.ShareHashChain, o.BlockHashTree) : (o.ShareHashChain, o.Signature);
        var chain = await FieldAsync(node, index, share, prefix, chainStart, chainEnd, cancellationToken).ConfigureAwait(false);

        var needed = chosen.Length == 0 ? [0] : chosen.SelectMany(s => MerkleTree.NeededHashes(s, p.SegmentCount, includeLeaf: false)).Distinct().Order().ToArray();
        var tree = await ReadTreeNodesAsync(node, index, share, o.BlockHashTree, p.BlockHashTreeNodeCount, needed, cancellationToken).ConfigureAwait(false);

        var data = new Dictionary<int, ReadOnlyMemory<byte>>();
        foreach (var segment in chosen)
        {
            data[segment] = await ReadAsync(node, index, share, o.ShareData + p.SegmentDataOffset(segment), p.SegmentDataLength(segment), cancellationToken).ConfigureAwait(false);
        }

        MutableShareValidation.CheckSegmentsByPath(share, version, data, tree, chain);
    }

    private static async Task<Dictionary<int, byte[]>> ReadTreeNodesAsync(
        StorageClient node, StorageIndex index, int share, long treeOffset, int nodeCount, int[] needed, CancellationToken cancellationToken)
    {
        var nodes = new Dictionary<int, byte[]>();
        if (needed.Length == 0)
        {
            return nodes; // one segment: its leaf is the root
        }

        var (first, last) = (needed[0], needed[^1]);
        if (last >= nodeCount)
        {
            throw new CorruptShareException(share, "its block hash tree is smaller than its header says");
        }

        if ((last - first + 1) * HashSize <= WholeTreeBytes)
        {
            var span = await ReadAsync(node, index, share, treeOffset + ((long)first * HashSize), (last - first + 1) * HashSize, cancellationToken).ConfigureAwait(false);
            foreach (var n in needed)
            {
                nodes[n] = span.AsSpan((n - first) * HashSize, HashSize).ToArray();
            }
        }
        else
        {
            var read = await Task.WhenAll(needed.Select(n => ReadAsync(node, index, share, treeOffset + ((long)n * HashSize), HashSize, cancellationToken))).ConfigureAwait(false);
            for (var i = 0; i < needed.Length; i++)
            {
                nodes[needed[i]] = read[i];
            }
        }

        return nodes;
    }

    // Distinct random segments, from the cryptographic generator (every one when the file has fewer; none when it is empty).
    private static int[] ChooseSegments(int segmentCount, int count)
    {
        var chosen = new SortedSet<int>();
        while (chosen.Count < Math.Min(count, segmentCount))
        {
            chosen.Add(RandomNumberGenerator.GetInt32(segmentCount));
        }

        return [.. chosen];
    }

    // A field of the share: from the prefix already read when it lies there, else read.
    private static async Task<byte[]> FieldAsync(StorageClient node, StorageIndex index, int share, byte[] prefix, long start, long end, CancellationToken cancellationToken)
    {
        if (start < 0 || end < start || end - start > WholeTreeBytes)
        {
            throw new CorruptShareException(share, "its header's offsets are out of order");
        }

        return end <= prefix.Length
            ? prefix.AsSpan((int)start, (int)(end - start)).ToArray()
            : await ReadAsync(node, index, share, start, (int)(end - start), cancellationToken).ConfigureAwait(false);
    }

    // Exactly length bytes at offset (a prefix read may come back shorter: the share is small).
    private static async Task<byte[]> ReadAsync(StorageClient node, StorageIndex index, int share, long offset, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[length];
        var read = await node.ReadMutableAsync(index, share, offset, buffer, cancellationToken).ConfigureAwait(false);
        if (read == length)
        {
            return buffer;
        }

        return offset == 0 && length == ServerMap.PrefixBytes && read > 0 ? buffer[..read] : throw new CorruptShareException(share, $"it ends before byte {offset + length}");
    }
}
