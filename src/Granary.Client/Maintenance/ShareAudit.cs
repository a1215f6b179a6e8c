using System.Net;
using System.Security.Cryptography;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;

namespace Granary.Client.Maintenance;

/// <summary>
/// Proof-of-retrievability audits of immutable shares on untrusted nodes. An auditor holding only a
/// verify cap picks random blocks of a share at challenge time; the node must answer with those
/// blocks and the hash-tree nodes that lead from them to the share root the cap pins (through the
/// URI extension block). A pass shows the node could produce those blocks at that moment; because
/// the blocks are chosen fresh each time, a node that dropped a fraction f of a share fails a
/// challenge of b blocks with probability about 1 − (1 − f)^b. It does not show the node keeps more
/// than one copy, keeps it on its own disk, or will still have it tomorrow.
/// </summary>
public static class ShareAudit
{
    /// <summary>
    /// Reads share <paramref name="share"/>'s URI extension block from <paramref name="node"/> and checks
    /// it against <paramref name="cap"/> (for registering a file to keep). A node that cannot be read is a
    /// <see cref="StorageException"/>; a block that does not match the cap a <see cref="CorruptShareException"/>.
    /// </summary>
    public static async Task<AuditBasis> ReadBasisAsync(StorageClient node, ChkVerifyCap cap, int share, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(cap);
        ShareRangeReader read = (offset, destination, ct) => new ValueTask<int>(node.ReadAsync(cap.StorageIndex, share, offset, destination, ct));
        var extension = await ShareVerifier.ReadUriExtensionAsync(share, read, cancellationToken).ConfigureAwait(false);
        return AuditBasis.TryCreate(cap, extension, out var basis, out var error) ? basis! : throw new CorruptShareException(share, error!);
    }

    /// <summary>
    /// Asks <paramref name="node"/> for blocks <paramref name="blocks"/> of share <paramref name="share"/> with
    /// their hash-tree proof and checks them against <paramref name="basis"/>. Whatever the node sends or
    /// fails to send within <paramref name="timeout"/> is a verdict, never an exception; only
    /// <paramref name="cancellationToken"/> itself being cancelled throws (<see cref="OperationCanceledException"/>),
    /// and a challenge that is not one (no blocks, more than <see cref="ShareProof.MaxBlocks"/>, repeats, outside
    /// the file) is the caller's <see cref="ArgumentException"/>.
    /// </summary>
    public static async Task<AuditVerdict> AuditAsync(
        StorageClient node, AuditBasis basis, int share, IReadOnlyList<int> blocks, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentOutOfRangeException.ThrowIfNegative(share);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(share, basis.Cap.N);
        if (blocks is not { Count: > 0 and <= ShareProof.MaxBlocks } || blocks.Distinct().Count() != blocks.Count || blocks.Any(b => b < 0 || b >= basis.SegmentCount))
        {
            throw new ArgumentException($"A challenge names 1 to {ShareProof.MaxBlocks} distinct blocks of the file's {basis.SegmentCount}.", nameof(blocks));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var challenged = blocks.ToArray();
        string? problem;
        try
        {
            problem = await node.ReadProofAsync(
                basis.Cap.StorageIndex, share, blocks, basis.MaxProofBytes(blocks.Count), proof => ShareProofVerifier.Problem(basis.UriExtension, share, challenged, proof), deadline.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AuditVerdict.Fail("timed out");
        }
        catch (StorageException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return AuditVerdict.Fail("share not held");
        }
        catch (StorageException e)
        {
            return AuditVerdict.Fail(e.Status is null ? $"unreachable: {e.Reason}" : e.Reason);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return AuditVerdict.Fail($"unreachable: {e.Message}");
        }

        return problem is null ? AuditVerdict.Pass : AuditVerdict.Fail(problem);
    }

    /// <summary>
    /// <paramref name="count"/> distinct random block numbers of the file, ascending, from the
    /// cryptographic generator (all of them when the file has fewer), for a challenge made now.
    /// </summary>
    public static int[] ChooseBlocks(AuditBasis basis, int count)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ShareProof.MaxBlocks);
        var segments = basis.SegmentCount;
        var chosen = new SortedSet<int>();
        while (chosen.Count < Math.Min(count, segments))
        {
            chosen.Add(RandomNumberGenerator.GetInt32(segments));
        }

        return [.. chosen];
    }
}
