using Granary.Client.Download;
using Granary.Client.Storage;
using Granary.Client.Upload;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Identity;

namespace Granary.Client.Maintenance;

/// <summary>What a repair did.</summary>
public sealed record RepairResult(IReadOnlyList<int> SharesMade, CheckReport After);

/// <summary>
/// Check (who holds which shares, and do their URI extension blocks match the cap), verify (read and
/// check every byte of every copy) and repair (make the missing or corrupt shares again and place them).
/// </summary>
/// <remarks>
/// Judgement is per block, as a download reads: a copy whose hashes are sound but some of whose
/// blocks fail is corrupt in those blocks only, and its other blocks still count towards recovering
/// the file. Every corrupt copy found is reported to its node, which checks it itself; if it agrees,
/// a repair may upload a good copy there to replace it (the bad copy stays readable until then).
///
/// Repair needs only the verify cap, as Tahoe-LAFS's repairer does, and never holds the read key or
/// sees plaintext: it reads each segment's ciphertext from k verified blocks (every block checked
/// against its share's block hash tree, every decoded segment against the crypttext hash tree),
/// Reed-Solomon re-encodes its n blocks, rebuilds the block and share hash trees, and takes the URI
/// extension block and crypttext hash tree from the verified shares — so the new shares are byte for
/// byte the lost ones. It uploads only the shares with no intact copy, placed by servers of
/// happiness. If the rebuilt share hash tree's root is not the URI extension block's, nothing is
/// kept. A read-cap holder repairs the same way, through the cap's verify cap.
/// </remarks>
internal sealed class FileChecker(GranaryClient client)
{
    private const int ParallelShares = 4;

    public async Task<CheckReport> CheckAsync(Cap cap, bool verify, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var (verifyCap, text) = cap switch
        {
            ChkReadCap read => (read.VerifyCap, read.ToString()),
            ChkVerifyCap v => (v, v.ToString()),
            _ => throw new ArgumentException("A literal (URI:LIT) file lives in its cap: there are no shares to check.", nameof(cap)),
        };
        var probes = await client.Grid.ProbeAsync(verifyCap.StorageIndex, withSpace: false, cancellationToken).ConfigureAwait(false);
        var problems = probes.Where(p => !p.Reachable).Select(p => $"{p.Name}: {p.Error}").ToList();
        var holdings = probes.Where(p => p.Reachable)
            .SelectMany(p => p.Holds.Order().Select(share => (p.Server, Share: share)))
            .ToList();

        long done = 0;
        using var gate = new SemaphoreSlim(ParallelShares);
        var results = await Task.WhenAll(holdings.Select(async h =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var result = await CheckOneAsync(verifyCap, h.Server, h.Share, verify, cancellationToken).ConfigureAwait(false);
                if (verify)
                {
                    progress?.Report(new TransferProgress("verifying", Interlocked.Increment(ref done), holdings.Count));
                }

                return result;
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        return new CheckReport(
            text,
            verifyCap.StorageIndex.ToString(),
            verifyCap.K,
            verifyCap.N,
            client.Settings.Happy,
            verify,
            [.. results.Select(r => r.Holding)],
            problems,
            results.Select(r => r.Segments).DefaultIfEmpty(0).Max(),
            results.Select(r => r.CapProblem).FirstOrDefault(p => p is not null));
    }

    /// <summary>Re-makes the shares <paramref name="report"/> found missing or corrupt from the file's ciphertext, with the verify cap alone.</summary>
    public async Task<RepairResult> RepairAsync(
        ChkVerifyCap cap, CheckReport report, RepairOptions options, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var excluded = options.Excluded ?? new HashSet<NodeId>();
        report = report.Without(excluded);
        if (report.Healthy)
        {
            return new RepairResult([], report);
        }

        if (!report.Recoverable)
        {
            throw new DownloadException($"Cannot repair: {report.Summary}.");
        }

        var bad = report.Holdings.Where(h => !h.Intact && !h.ConfirmedByNode).Select(h => (h.Server, h.Share)).ToHashSet();
        var replaceable = report.Holdings.Where(h => !h.Intact && h.ConfirmedByNode).Select(h => (h.Server, h.Share)).ToHashSet();
        using var decoder = new ChkDecoder(cap);
        var session = await ShareSession.OpenAsync(client.Grid, decoder, cap.StorageIndex, excluded, cancellationToken).ConfigureAwait(false);
        var parameters = session.Parameters;
        var rebuilder = new ChkShareRebuilder(cap, decoder);
        var sink = new ShareStreamer(client, new SharePlacer(client, requireHappiness: false, knownBad: bad, replaceable: replaceable, excluded: excluded), progress);
        try
        {
            await sink.BeginAsync(parameters, cap.StorageIndex, decoder.UriExtensionBytes.Length, cancellationToken).ConfigureAwait(false);
            if (sink.Assigned.Count == 0)
            {
                return new RepairResult([], await CheckAfterAsync(cap, report, excluded, cancellationToken).ConfigureAwait(false));
            }

            var pace = new RepairPace(client.Time, options.MaxBytesPerSecond);
            await Downloader.ForEachCiphertextSegmentAsync(client.Grid, session, 0, parameters.SegmentCount - 1, rebuilder.Blocks, async (segment, _) =>
            {
                var blockSize = rebuilder.EncodeSegment();
                await sink.WriteSegmentAsync(segment, rebuilder.Blocks[..(blockSize * parameters.N)], blockSize, cancellationToken).ConfigureAwait(false);
                await pace.MovedAsync((long)blockSize * (parameters.K + sink.Assigned.Count), cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);

            ChkShares shares;
            try
            {
                shares = rebuilder.Finish();
            }
            catch (CorruptFileException e)
            {
                throw new DownloadException($"{e.Message} Nothing was repaired.", e);
            }

            await sink.FinishAsync(shares, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await sink.AbortUnfinishedAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            throw;
        }

        var after = await CheckAfterAsync(cap, report, excluded, cancellationToken).ConfigureAwait(false);
        return new RepairResult([.. sink.Completed.Order()], after with { Holdings = [.. after.Holdings.Where(h => !bad.Contains((h.Server, h.Share)) && (!replaceable.Contains((h.Server, h.Share)) || sink.Completed.Contains(h.Share)))] });
    }

    // The light check after a repair, named as the report before it was and blind to the excluded servers.
    private async Task<CheckReport> CheckAfterAsync(ChkVerifyCap cap, CheckReport before, IReadOnlySet<NodeId> excluded, CancellationToken cancellationToken) =>
        (await CheckAsync(cap, verify: false, null, cancellationToken).ConfigureAwait(false)).Without(excluded) with { Cap = before.Cap };

    // One copy: the light check or every byte; reports a corrupt copy to its node. Returns the
    // holding, the file's segment count if learnt, and why the cap is wrong if it is.
    private async Task<(ShareHolding Holding, int Segments, string? CapProblem)> CheckOneAsync(
        ChkVerifyCap cap, StorageClient server, int share, bool verify, CancellationToken cancellationToken)
    {
        var node = server.Url.NodeId;
        var url = server.Url.BaseAddress.ToString();
        using var decoder = new ChkDecoder(cap);
        ShareRangeReader read = (offset, destination, ct) =>
            new ValueTask<int>(client.Grid.WithDeadlineAsync(server, c => server.ReadAsync(cap.StorageIndex, share, offset, destination, c), ct));
        ShareVerdict verdict;
        try
        {
            verdict = verify
                ? await ShareVerifier.VerifyAsync(decoder, share, read, null, cancellationToken).ConfigureAwait(false)
                : await ShareVerifier.CheckExtensionAsync(decoder, share, read, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            return (new ShareHolding(share, node, url, ShareState.Unreadable, e.Reason), 0, null);
        }
        catch (CorruptFileException e)
        {
            return (new ShareHolding(share, node, url, ShareState.Corrupt, e.Message), 0, e.Message);
        }

        if (verdict.Intact)
        {
            return (new ShareHolding(share, node, url, verify ? ShareState.Verified : ShareState.Present), verdict.SegmentCount, null);
        }

        var confirmed = false;
        try
        {
            var finding = await client.Grid.WithDeadlineAsync(
                server, ct => server.ReportCorruptionAsync(cap.StorageIndex, share, verdict.Summary, verdict.Usable ? verdict.BadSegments : null, ct), cancellationToken).ConfigureAwait(false);
            confirmed = finding?.Confirmed ?? false;
        }
        catch (StorageException)
        {
            // Advisory: the node keeps the copy, and the repair places a good one elsewhere.
        }

        var reason = verdict.Summary + (confirmed ? " (the node confirms it)" : "");
        return (new ShareHolding(share, node, url, ShareState.Corrupt, reason, verdict.Usable ? verdict.BadSegments : [], confirmed), verdict.SegmentCount, null);
    }
}
