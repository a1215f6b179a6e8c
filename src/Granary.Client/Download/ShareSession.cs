using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;

namespace Granary.Client.Download;

/// <summary>
/// The k shares a download (or repair) reads from, kept verified and replaced when they fail.
/// </summary>
/// <remarks>
/// Candidates are every (server, share) the servers report, the fastest-answering servers first;
/// k of them with distinct share numbers are opened (header, UEB and hashes verified). A share that
/// errors, times out or turns out corrupt is dropped for the rest of the session — reported to its
/// server if corrupt — and the next candidate with a share number not in use takes its place.
/// Shares on servers not yet in use are preferred, so one lost server costs at most one share.
/// </remarks>
internal sealed class ShareSession
{
    private readonly StorageGrid _grid;
    private readonly List<(StorageClient Server, int Share)> _candidates;
    private readonly HashSet<(StorageClient Server, int Share)> _dropped = [];
    private readonly List<RemoteShare> _active = [];

    private ShareSession(StorageGrid grid, ChkDecoder decoder, StorageIndex index, List<(StorageClient, int)> candidates)
    {
        _grid = grid;
        Decoder = decoder;
        Index = index;
        _candidates = candidates;
    }

    public ChkDecoder Decoder { get; }

    public StorageIndex Index { get; }

    public ChkParameters Parameters => Decoder.Parameters;

    public IReadOnlyList<RemoteShare> Active => _active;

    /// <summary>Problems met along the way (dropped shares and why), for the user.</summary>
    public List<string> Problems { get; } = [];

    public static async Task<ShareSession> OpenAsync(StorageGrid grid, ChkDecoder decoder, StorageIndex index, CancellationToken cancellationToken)
    {
        var probes = await grid.ProbeAsync(index, withSpace: false, cancellationToken).ConfigureAwait(false);
        var candidates = probes.Where(p => p.Reachable).OrderBy(p => p.Latency)
            .SelectMany(p => p.Holds.Order().Select(share => (p.Server, share)))
            .ToList();
        var session = new ShareSession(grid, decoder, index, candidates);
        foreach (var probe in probes.Where(p => !p.Reachable))
        {
            session.Problems.Add($"{probe.Name}: {probe.Error}");
        }

        if (candidates.Select(c => c.share).Distinct().Count() < decoder.K)
        {
            throw new DownloadException(session.Unrecoverable(candidates.Select(c => c.share).Distinct().Count()));
        }

        while (session._active.Count < decoder.K)
        {
            await session.ActivateNextAsync(cancellationToken).ConfigureAwait(false);
        }

        return session;
    }

    /// <summary>Drops a share that failed and opens another in its place.</summary>
    public async Task ReplaceAsync(RemoteShare failed, Exception reason, CancellationToken cancellationToken)
    {
        _active.Remove(failed);
        _dropped.Add((failed.Server, failed.Share));
        Problems.Add($"{failed.Name}: {(reason as StorageException)?.Reason ?? reason.Message}");
        if (reason is CorruptShareException corrupt)
        {
            await ReportAsync(failed.Server, failed.Share, corrupt.Reason, cancellationToken).ConfigureAwait(false);
        }

        await ActivateNextAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ActivateNextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var inUse = _active.Select(a => a.Share).ToHashSet();
            var servers = _active.Select(a => a.Server).ToHashSet();
            var next = _candidates
                .Where(c => !_dropped.Contains(c) && !inUse.Contains(c.Share))
                .OrderBy(c => servers.Contains(c.Server) ? 1 : 0)
                .Select(c => ((StorageClient, int)?)c)
                .FirstOrDefault();
            if (next is not var (server, share))
            {
                throw new DownloadException(Unrecoverable(_active.Count));
            }

            try
            {
                _active.Add(await RemoteShare.OpenAsync(_grid, server, share, Decoder, Index, cancellationToken).ConfigureAwait(false));
                return;
            }
            catch (Exception e) when (e is CorruptShareException or StorageException)
            {
                _dropped.Add((server, share));
                Problems.Add($"share {share} on node {server.Url.NodeId.ToString()[..8]}: {(e as StorageException)?.Reason ?? e.Message}");
                if (e is CorruptShareException corrupt)
                {
                    await ReportAsync(server, share, corrupt.Reason, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task ReportAsync(StorageClient server, int share, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await _grid.WithDeadlineAsync(server, async ct =>
            {
                await server.ReportCorruptionAsync(Index, share, reason, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // Advisory; a server that cannot hear it is already out of the session.
        }
    }

    private string Unrecoverable(int usable) =>
        $"Cannot read the file: {Math.Max(usable, 0)} usable share(s) found but {Decoder.K} are needed."
        + (Problems.Count == 0 ? " No server holds it (is the cap right, and are these the servers it was uploaded to?)" : " Problems: " + string.Join("; ", Problems.Take(8)));
}
