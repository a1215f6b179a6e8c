using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Identity;

namespace Granary.Client.Download;

/// <summary>
/// The shares a download (or repair) reads from, kept verified, judged block by block, and replaced
/// when they fail.
/// </summary>
/// <remarks>
/// Candidates are every (server, share) the servers report, the fastest-answering servers first;
/// k of them with distinct share numbers are opened (header, UEB and hashes verified). Each segment
/// is decoded from the first k opened shares whose block of it is not known to be bad. A block that
/// fails its hash spoils only that block: the share stays in use for other segments but moves behind
/// the others, and another share is opened if fewer than k good blocks remain for the segment. A
/// share whose server errs or times out, or whose hashes are bad, is dropped for the rest of the
/// session. Every corruption is reported to the server holding it. Shares on servers not yet in use
/// are preferred, so one lost server costs at most one share. The session fails only when some
/// segment has fewer than k good blocks among all the shares there are.
/// </remarks>
internal sealed class ShareSession
{
    private readonly StorageGrid _grid;
    private readonly List<(StorageClient Server, int Share)> _candidates;
    private readonly HashSet<(StorageClient Server, int Share)> _dropped = [];
    private readonly List<RemoteShare> _opened = [];
    private readonly HashSet<(RemoteShare Share, int Segment)> _badBlocks = [];

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

    /// <summary>The k shares preferred now: what windows fetch ahead for.</summary>
    public IEnumerable<RemoteShare> Preferred => _opened.Take(Decoder.K);

    /// <summary>Problems met along the way (dropped shares, bad blocks, and why), for the user.</summary>
    public List<string> Problems { get; } = [];

    public static Task<ShareSession> OpenAsync(StorageGrid grid, ChkDecoder decoder, StorageIndex index, CancellationToken cancellationToken) =>
        OpenAsync(grid, decoder, index, null, cancellationToken);

    /// <summary>Opens a session that reads nothing from the servers in <paramref name="excluded"/> (a repairer's disqualified nodes).</summary>
    public static async Task<ShareSession> OpenAsync(StorageGrid grid, ChkDecoder decoder, StorageIndex index, IReadOnlySet<NodeId>? excluded, CancellationToken cancellationToken)
    {
        var probes = (await grid.ProbeAsync(index, withSpace: false, cancellationToken).ConfigureAwait(false))
            .Where(p => excluded?.Contains(p.Server.Url.NodeId) != true).ToList();
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

        while (session._opened.Count < decoder.K)
        {
            await session.OpenNextAsync(null, cancellationToken).ConfigureAwait(false);
        }

        return session;
    }

    /// <summary>The k shares to decode <paramref name="segment"/> from, opening more when too few have a good block of it.</summary>
    public async Task<IReadOnlyList<RemoteShare>> SharesForAsync(int segment, CancellationToken cancellationToken)
    {
        while (true)
        {
            var chosen = new List<RemoteShare>(Decoder.K);
            foreach (var share in _opened)
            {
                if (!_badBlocks.Contains((share, segment)))
                {
                    chosen.Add(share);
                    if (chosen.Count == Decoder.K)
                    {
                        return chosen;
                    }
                }
            }

            await OpenNextAsync(segment, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops a share that failed as a whole (server error, bad hashes, truncated).</summary>
    public async Task DropAsync(RemoteShare failed, Exception reason, CancellationToken cancellationToken)
    {
        _opened.Remove(failed);
        _dropped.Add((failed.Server, failed.Share));
        Problems.Add($"{failed.Name}: {(reason as StorageException)?.Reason ?? (reason as CorruptShareException)?.Reason ?? reason.Message}");
        if (reason is CorruptShareException corrupt)
        {
            await ReportAsync(failed.Server, failed.Share, corrupt.Reason, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Notes that one block of a share failed its hash; the share's other blocks stay usable, but other shares come first.</summary>
    public async Task BlockFailedAsync(RemoteShare share, int segment, CorruptShareException reason, CancellationToken cancellationToken)
    {
        _badBlocks.Add((share, segment));
        if (_opened.Remove(share))
        {
            _opened.Add(share);
        }

        Problems.Add($"{share.Name}: {reason.Reason}");
        await ReportAsync(share.Server, share.Share, reason.Reason, [segment], cancellationToken).ConfigureAwait(false);
    }

    // Opens another share with a number not yet open: for the segment named, one whose block is not known bad.
    private async Task OpenNextAsync(int? segment, CancellationToken cancellationToken)
    {
        while (true)
        {
            var inUse = _opened.Select(a => a.Share).ToHashSet();
            var servers = _opened.Select(a => a.Server).ToHashSet();
            var next = _candidates
                .Where(c => !_dropped.Contains(c) && !inUse.Contains(c.Share))
                .OrderBy(c => servers.Contains(c.Server) ? 1 : 0)
                .Select(c => ((StorageClient, int)?)c)
                .FirstOrDefault();
            if (next is not var (server, share))
            {
                var good = segment is int s ? _opened.Count(o => !_badBlocks.Contains((o, s))) : _opened.Count;
                throw new DownloadException(segment is int bad && _badBlocks.Any(b => b.Segment == bad)
                    ? $"Cannot read segment {bad} of the file: only {good} good block(s) of it remain but {Decoder.K} are needed. Problems: {string.Join("; ", Problems.Take(8))}"
                    : Unrecoverable(good));
            }

            try
            {
                _opened.Add(await RemoteShare.OpenAsync(_grid, server, share, Decoder, Index, cancellationToken).ConfigureAwait(false));
                return;
            }
            catch (Exception e) when (e is CorruptShareException or StorageException)
            {
                _dropped.Add((server, share));
                Problems.Add($"share {share} on node {server.Url.NodeId.ToString()[..8]}: {(e as StorageException)?.Reason ?? ((CorruptShareException)e).Reason}");
                if (e is CorruptShareException corrupt)
                {
                    await ReportAsync(server, share, corrupt.Reason, null, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (CorruptFileException e)
            {
                throw new DownloadException($"The cap does not match the file its storage index names: {e.Message}", e);
            }
        }
    }

    private async Task ReportAsync(StorageClient server, int share, string reason, IReadOnlyList<int>? blocks, CancellationToken cancellationToken)
    {
        try
        {
            await _grid.WithDeadlineAsync(server, ct => server.ReportCorruptionAsync(Index, share, reason, blocks, ct), cancellationToken).ConfigureAwait(false);
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
