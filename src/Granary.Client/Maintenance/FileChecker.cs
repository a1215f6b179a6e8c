using Granary.Client.Download;
using Granary.Client.Storage;
using Granary.Client.Upload;
using Granary.Core.Caps;
using Granary.Core.Chk;

namespace Granary.Client.Maintenance;

/// <summary>What a repair did.</summary>
public sealed record RepairResult(IReadOnlyList<int> SharesMade, CheckReport After);

/// <summary>
/// Check (who holds which shares), verify (read and check every block of every copy) and repair
/// (make the missing or corrupt shares again and place them on other servers).
/// </summary>
/// <remarks>
/// Repair reads k good shares segment by segment, decrypts and re-encodes each segment with the
/// cap's own key and the URI extension block's segment size — so the new shares are exactly the
/// lost ones — and uploads only the shares that are missing, placed by servers of happiness. It
/// needs the read cap. At the end the re-encoded URI extension block must hash to the cap's, or the
/// repair is undone.
/// </remarks>
public sealed class FileChecker(StorageGrid grid, ClientDirectory client)
{
    private const int VerifyWindowBytes = 4 << 20;

    public async Task<CheckReport> CheckAsync(Cap cap, bool verify, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var (verifyCap, text) = cap switch
        {
            ChkReadCap read => (read.VerifyCap, read.ToString()),
            ChkVerifyCap v => (v, v.ToString()),
            _ => throw new ArgumentException("A literal (URI:LIT) file lives in its cap: there are no shares to check.", nameof(cap)),
        };
        var probes = await grid.ProbeAsync(verifyCap.StorageIndex, withSpace: false, cancellationToken).ConfigureAwait(false);
        var problems = probes.Where(p => !p.Reachable).Select(p => $"{p.Name}: {p.Error}").ToList();
        var holdings = probes.Where(p => p.Reachable)
            .SelectMany(p => p.Holds.Order().Select(share => (p.Server, Share: share)))
            .ToList();

        var results = new List<ShareHolding>();
        if (!verify)
        {
            results.AddRange(holdings.Select(h => new ShareHolding(h.Share, h.Server.Url.NodeId, h.Server.Url.BaseAddress.ToString(), ShareState.Present)));
        }
        else
        {
            long done = 0;
            using var gate = new SemaphoreSlim(4);
            var verified = await Task.WhenAll(holdings.Select(async h =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var holding = await VerifyOneAsync(verifyCap, h.Server, h.Share, cancellationToken).ConfigureAwait(false);
                    progress?.Report(new TransferProgress("verifying", Interlocked.Increment(ref done), holdings.Count));
                    return holding;
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);
            results.AddRange(verified);
        }

        return new CheckReport(text, verifyCap.StorageIndex.ToString(), verifyCap.K, verifyCap.N, client.Config.Happy, verify, results, problems);
    }

    public async Task<RepairResult> RepairAsync(ChkReadCap cap, CheckReport report, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        if (report.Healthy)
        {
            return new RepairResult([], report);
        }

        if (!report.Recoverable)
        {
            throw new DownloadException($"Cannot repair: {report.Summary}.");
        }

        var bad = report.Holdings.Where(h => !h.Good).Select(h => (h.Server, h.Share)).ToHashSet();
        using var decoder = new ChkDecoder(cap);
        var session = await ShareSession.OpenAsync(grid, decoder, cap.StorageIndex, cancellationToken).ConfigureAwait(false);
        var parameters = session.Parameters;
        var sink = new ShareUploadSink(grid, client, progress, requireHappiness: false, knownBad: bad);
        await sink.BeginAsync(parameters, cap.StorageIndex, cancellationToken).ConfigureAwait(false);
        if (sink.Assigned.Count == 0)
        {
            return new RepairResult([], await CheckAsync(cap, report.Verified, null, cancellationToken).ConfigureAwait(false));
        }

        using var encoder = new ChkEncoder(parameters, cap.Key);
        var blocks = new byte[parameters.BlockSize * parameters.N];
        await Downloader.ForEachSegmentAsync(grid, session, 0, parameters.SegmentCount - 1, async (segment, plaintext) =>
        {
            encoder.EncodeSegment(plaintext.Span, blocks);
            var blockSize = parameters.BlockSizeOf(segment);
            await sink.WriteSegmentAsync(segment, blocks.AsMemory(0, blockSize * parameters.N), blockSize, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        var encoding = encoder.Finish();
        if (!encoding.ReadCap.Equals(cap))
        {
            await sink.AbortUnfinishedAsync(cancellationToken).ConfigureAwait(false);
            throw new DownloadException("Re-encoding the file does not reproduce its cap; the shares were not made by a compatible encoder, so nothing was repaired.");
        }

        await sink.FinishAsync(encoding, cancellationToken).ConfigureAwait(false);
        var after = await CheckAsync(cap, verify: false, null, cancellationToken).ConfigureAwait(false);
        return new RepairResult([.. sink.Completed.Order()], after with { Holdings = [.. after.Holdings.Where(h => !bad.Contains((h.Server, h.Share)))] });
    }

    private async Task<ShareHolding> VerifyOneAsync(ChkVerifyCap cap, StorageClient server, int share, CancellationToken cancellationToken)
    {
        var node = server.Url.NodeId;
        var url = server.Url.BaseAddress.ToString();
        using var decoder = new ChkDecoder(cap);
        try
        {
            var remote = await RemoteShare.OpenAsync(grid, server, share, decoder, cap.StorageIndex, cancellationToken).ConfigureAwait(false);
            var p = decoder.Parameters;
            var perWindow = Math.Max(1, VerifyWindowBytes / p.BlockSize);
            var data = new byte[RemoteShare.BlocksLength(p, 0, Math.Min(perWindow, p.SegmentCount))];
            for (var first = 0; first < p.SegmentCount; first += perWindow)
            {
                var count = Math.Min(perWindow, p.SegmentCount - first);
                await remote.ReadBlocksAsync(grid, cap.StorageIndex, p, first, count, data, cancellationToken).ConfigureAwait(false);
                for (var segment = first; segment < first + count; segment++)
                {
                    decoder.VerifyBlock(share, segment, data.AsSpan((segment - first) * p.BlockSize, p.BlockSizeOf(segment)));
                }
            }

            return new ShareHolding(share, node, url, ShareState.Verified);
        }
        catch (CorruptShareException e)
        {
            try
            {
                await grid.WithDeadlineAsync(server, async ct =>
                {
                    await server.ReportCorruptionAsync(cap.StorageIndex, share, e.Reason, ct).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException)
            {
            }

            return new ShareHolding(share, node, url, ShareState.Corrupt, e.Reason);
        }
        catch (CorruptFileException e)
        {
            return new ShareHolding(share, node, url, ShareState.Corrupt, e.Message);
        }
        catch (StorageException e)
        {
            return new ShareHolding(share, node, url, ShareState.Unreadable, e.Reason);
        }
    }
}
