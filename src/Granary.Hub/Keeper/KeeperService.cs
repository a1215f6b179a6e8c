using System.Collections.Concurrent;
using Granary.Client;
using Granary.Client.Maintenance;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Identity;
using Granary.Core.Leases;
using Granary.Core.Mutable;
using Granary.Core.Protocol;
using Granary.Hub.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Granary.Hub.Keeper;

/// <summary>What registering a file to keep came to.</summary>
internal sealed record KeepResult(KeepOutcome Outcome, int Shares, int Nodes);

/// <summary>
/// The keeper: holds the hub's own lease on every share of every kept file and renews it, audits
/// nodes about the shares they hold (random blocks, chosen at challenge time, checked against the
/// root the verify cap pins), keeps a reputation per node and disqualifies the bad, and repairs
/// files whose healthy shares fall below the threshold — from the verify cap, so it never sees a
/// read key or plaintext. Audits and checks run on their own intervals; a disqualification or a node
/// lost wakes the checker at once.
/// </summary>
internal sealed class KeeperService(
    KeeperStore store, AnnouncementStore announcements, HubOptions hubOptions, TimeProvider time, ILogger logger, HttpClient http) : BackgroundService
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private readonly KeeperOptions _options = hubOptions.Keeper;
    private readonly ConcurrentDictionary<long, AuditBasis> _bases = new();
    private TaskCompletionSource _wakeChecker = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _passGate = new(1, 1);
    private byte[]? _leaseSecret;
    private LeaseSecrets? _leases;
    private int _auditPasses;
    private int _checkerPasses;

    // Downstream challenge results by node id, waiting for the next audit pass to fold them into reputations.
    private readonly ConcurrentDictionary<string, ChallengeTally> _challenges = new(StringComparer.Ordinal);

    public KeeperStore Store => store;

    /// <summary>Completed passes, for tests and the dashboard.</summary>
    public int AuditPasses => Volatile.Read(ref _auditPasses);

    public int CheckerPasses => Volatile.Read(ref _checkerPasses);

    /// <summary>
    /// A downstream contract's challenge was answered (<paramref name="passed"/>) or failed by the farmer
    /// with <paramref name="farmerAddress"/>. A farmer's address is its key's hash, as a storage node's id
    /// is, so a Granary node that farms contracts here has one reputation for both: the next audit pass
    /// counts the result for the storage node of the same key, if this hub keeps shares on it. Other
    /// farmers (downstream-farmer, say) are no storage node and change nothing.
    /// </summary>
    public void RecordChallenge(string farmerAddress, bool passed, string detail)
    {
        if (!BitcoinAddress.TryParse(farmerAddress, out var address, out _) || address!.Kind != AddressKind.PublicKeyHash)
        {
            return;
        }

        var nodeId = Convert.ToHexStringLower(address.Hash);
        while (true)
        {
            var tally = _challenges.GetOrAdd(nodeId, _ => new ChallengeTally());
            lock (tally)
            {
                if (tally.Taken)
                {
                    continue; // an audit pass took this tally meanwhile: count in the next one
                }

                if (passed)
                {
                    tally.Passed++;
                }
                else
                {
                    tally.Failed++;
                    tally.LastFailure = detail;
                }

                return;
            }
        }
    }

    private sealed class ChallengeTally
    {
        /// <summary>An audit pass has removed this tally and read it; a result recorded now belongs in a new one.</summary>
        public bool Taken { get; set; }

        public int Passed { get; set; }

        public int Failed { get; set; }

        public string? LastFailure { get; set; }
    }

    private int Threshold => _options.RepairThreshold > 0 ? _options.RepairThreshold : hubOptions.Encoding.Happy;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        await Task.WhenAll(
            LoopAsync(TimeSpan.FromSeconds(_options.AuditIntervalSeconds), AuditPassAsync, wakeable: false, stoppingToken),
            LoopAsync(TimeSpan.FromSeconds(_options.CheckerIntervalSeconds), CheckPassAsync, wakeable: true, stoppingToken)).ConfigureAwait(false);
    }

    private async Task LoopAsync(TimeSpan interval, Func<CancellationToken, Task> pass, bool wakeable, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = wakeable ? Volatile.Read(ref _wakeChecker).Task : Task.Delay(Timeout.Infinite, stoppingToken);
            await Task.WhenAny(Task.Delay(interval, time, stoppingToken), wake).ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (wakeable && wake.IsCompleted)
            {
                Interlocked.Exchange(ref _wakeChecker, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }

            try
            {
                await pass(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A pass that fails (the database away, say) is logged; the next one tries again and the hub serves on.
                KeeperLog.PassFailed(logger, e);
            }
        }
    }

    /// <summary>
    /// Registers a file to keep for a client: finds its shares, checks them against the verify cap (an
    /// immutable file's URI extension block; a mutable file's key and signature, keeping the newest
    /// version found), leases every share.
    /// </summary>
    public async Task<(KeepResult? Result, string? Problem)> KeepAsync(string client, Cap cap, CancellationToken cancellationToken)
    {
        var servers = await LiveServersAsync(cancellationToken).ConfigureAwait(false);
        var (found, problem) = cap switch
        {
            ChkVerifyCap chk => await ImmutableBasisAsync(servers, chk, cancellationToken).ConfigureAwait(false),
            MutableVerifyCap mutable => await MutableBasisAsync(servers, mutable, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentException("The keeper keeps files by their verify caps.", nameof(cap)),
        };
        if (found is null || !cap.TryGetStorageIndex(out var index))
        {
            return (null, problem);
        }

        var (needed, total, basis, holdings) = found;

        await EnsureNodesAsync(holdings.Select(h => h.NodeId), cancellationToken).ConfigureAwait(false);
        var outcome = await store.KeepAsync(
            client, index.ToString(), cap.ToString(), basis, needed, total, holdings, _options.MaxFilesPerClient, time.Micros(), cancellationToken).ConfigureAwait(false);
        var shares = holdings.Select(h => h.Share).Distinct().Count();
        var nodes = holdings.Select(h => h.NodeId).Distinct().Count();
        if (outcome == KeepOutcome.Added)
        {
            KeeperLog.Kept(logger, index.ToString(), client, shares, nodes);
            await RenewLeasesAsync(index.ToString(), cancellationToken).ConfigureAwait(false);
        }

        return (new KeepResult(outcome, shares, nodes), null);
    }

    // What a file is audited against (an immutable file's URI extension block, a mutable file's newest signed header), and who holds its shares.
    private sealed record FileBasis(int Needed, int Total, byte[] Basis, IReadOnlyList<(int Share, string NodeId)> Holdings);

    // An immutable file: the shares found, and one copy of the URI extension block that matches the cap.
    private async Task<(FileBasis? Basis, string? Problem)> ImmutableBasisAsync(IReadOnlyDictionary<string, StorageClient> servers, ChkVerifyCap cap, CancellationToken cancellationToken)
    {
        var holdings = (await FindSharesAsync(servers, (server, ct) => server.ListSharesAsync(cap.StorageIndex, ct), cancellationToken).ConfigureAwait(false))
            .Where(h => h.Share < cap.N).ToList();
        if (holdings.Count == 0)
        {
            return (null, "no node this hub knows holds a share of this file");
        }

        foreach (var (share, node) in holdings)
        {
            try
            {
                var basis = await WithTimeout(ct => ShareAudit.ReadBasisAsync(servers[node], cap, share, ct), cancellationToken).ConfigureAwait(false);
                return (new FileBasis(cap.K, cap.N, basis.Extension.ToArray(), holdings), null);
            }
            catch (Exception e) when (e is StorageException or FormatException or InvalidDataException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // another holder's copy may be sound
            }
        }

        return (null, "no node's copy of the file's URI extension block matches the cap");
    }

    // A mutable file: the newest version any holder has that the cap's key signed, and the shares of that version.
    private async Task<(FileBasis? Basis, string? Problem)> MutableBasisAsync(IReadOnlyDictionary<string, StorageClient> servers, MutableVerifyCap cap, CancellationToken cancellationToken)
    {
        var current = await CurrentMutableSharesAsync(servers, cap, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return (null, "no node this hub knows holds a share of this file");
        }

        return current.Newest is not { } version
            ? (null, "no node's copy of the file is signed by the key the cap names")
            : (new FileBasis(version.Parameters.K, version.Parameters.N, version.Header.ToArray(), current.Current), null);
    }

    // Every live holder's share of a mutable file, read and checked: the newest signed version, who holds it, and who holds an older one. Null when no node lists a share.
    private async Task<MutableHoldings?> CurrentMutableSharesAsync(
        IReadOnlyDictionary<string, StorageClient> servers, MutableVerifyCap cap, CancellationToken cancellationToken)
    {
        var listed = await FindSharesAsync(servers, (server, ct) => server.ListMutableSharesAsync(cap.StorageIndex, ct), cancellationToken).ConfigureAwait(false);
        if (listed.Count == 0)
        {
            return null;
        }

        var versions = await Task.WhenAll(listed.Select(async h =>
        {
            try
            {
                return (h.Share, h.NodeId, Version: await WithTimeout(ct => MutableShareAudit.ReadVersionAsync(servers[h.NodeId], cap, h.Share, ct), cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is StorageException or CorruptShareException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return (h.Share, h.NodeId, Version: (MutableVersion?)null);
            }
        })).ConfigureAwait(false);
        var newest = versions.Select(v => v.Version).Where(v => v is not null).Max();
        if (newest is null)
        {
            return new MutableHoldings(null, [], []);
        }

        var sound = versions.Where(v => v.Version is not null && v.Share < v.Version.Parameters.N).ToList();
        return new MutableHoldings(
            newest,
            [.. sound.Where(v => v.Version == newest).Select(v => (v.Share, v.NodeId))],
            [.. sound.Where(v => v.Version != newest).Select(v => (v.Share, v.NodeId, v.Version!.Seqnum))]);
    }

    // The shares each live node lists (a node that does not answer lists none).
    private static async Task<List<(int Share, string NodeId)>> FindSharesAsync(
        IReadOnlyDictionary<string, StorageClient> servers, Func<StorageClient, CancellationToken, Task<int[]>> list, CancellationToken cancellationToken)
    {
        var found = await Task.WhenAll(servers.Select(async server =>
        {
            try
            {
                return (server.Key, Shares: await WithTimeout(ct => list(server.Value, ct), cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is StorageException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return (server.Key, Shares: Array.Empty<int>());
            }
        })).ConfigureAwait(false);
        return [.. found.SelectMany(f => f.Shares.Select(share => (share, f.Key)))];
    }

    /// <summary>One audit pass: the least recently audited shares, each challenged for random blocks.</summary>
    public async Task AuditPassAsync(CancellationToken cancellationToken)
    {
        await _passGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var servers = await LiveServersAsync(cancellationToken).ConfigureAwait(false);
            var shares = (await store.SharesToAuditAsync(_options.AuditsPerPass, cancellationToken).ConfigureAwait(false))
                .Where(s => servers.ContainsKey(s.NodeId)) // a node no longer announced is the checker's to count as lost
                .ToList();
            var verdicts = new (KeptShare Share, AuditVerdict Verdict)[shares.Count];
            var stale = new bool[shares.Count];
            var newer = new ConcurrentDictionary<long, MutableVersion>();
            await Parallel.ForEachAsync(
                Enumerable.Range(0, shares.Count),
                new ParallelOptions { MaxDegreeOfParallelism = _options.AuditConcurrency, CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    if (Cap.Parse(shares[i].File.VerifyCap) is MutableVerifyCap mutable)
                    {
                        var result = await AuditMutableAsync(servers[shares[i].NodeId], mutable, shares[i], ct).ConfigureAwait(false);
                        (verdicts[i], stale[i]) = ((shares[i], result.Verdict), result.Stale);
                        if (result.Newer is { } version)
                        {
                            newer.AddOrUpdate(shares[i].File.Id, version, (_, seen) => version > seen ? version : seen);
                        }
                    }
                    else
                    {
                        verdicts[i] = (shares[i], await AuditAsync(servers[shares[i].NodeId], shares[i], ct).ConfigureAwait(false));
                    }
                }).ConfigureAwait(false);

            var now = time.Micros();
            await RecordNewerVersionsAsync(newer, cancellationToken).ConfigureAwait(false);
            var nodes = await store.NodesAsync(cancellationToken).ConfigureAwait(false);
            var changed = new Dictionary<string, KeptNode>(StringComparer.Ordinal);
            var decisions = new List<KeeperDecision>();
            var disqualified = false;

            // One result for one node: its reputation moves, and a change of standing is a decision.
            void Judge(string nodeId, bool passed, string? failure, bool audited)
            {
                var node = changed.GetValueOrDefault(nodeId) ?? nodes.GetValueOrDefault(nodeId) ?? NewNode(nodeId, now);
                var reputation = node.Reputation.After(passed, _options);
                var since = node.StateSince;
                if (reputation.Standing != node.Reputation.Standing)
                {
                    since = now;
                    disqualified |= reputation.Standing == NodeStanding.Disqualified;
                    KeeperLog.StandingChanged(logger, nodeId, reputation.Standing, reputation.Score, reputation.Passed, reputation.Failed);
                    decisions.Add(new KeeperDecision(
                        now, reputation.Standing.ToString().ToLowerInvariant(), nodeId, null,
                        FormattableString.Invariant($"score {reputation.Score:F3} after {reputation.Passed} audits passed and {reputation.Failed} failed")));
                }

                changed[nodeId] = node with
                {
                    Reputation = reputation, AuditedAt = audited ? now : node.AuditedAt, LastFailure = passed ? node.LastFailure : failure, StateSince = since,
                };
            }

            for (var i = 0; i < verdicts.Length; i++)
            {
                var (share, verdict) = verdicts[i];
                if (stale[i])
                {
                    // An older version is not the file, but keeping it is no failure of the node's: a write may not have reached it.
                    // Said once, when the share is first found stale (by an audit or a recheck).
                    if (share.State != ShareState.Stale)
                    {
                        decisions.Add(new KeeperDecision(now, "share-stale", share.NodeId, share.File.StorageIndex, $"share {share.Share}: {verdict.Failure}"));
                    }

                    continue;
                }

                if (!verdict.Passed)
                {
                    KeeperLog.AuditFailed(logger, share.NodeId, share.Share, share.File.StorageIndex, verdict.Failure ?? "failed");
                    decisions.Add(new KeeperDecision(now, "audit-failed", share.NodeId, share.File.StorageIndex, $"share {share.Share}: {verdict.Failure}"));
                }

                Judge(share.NodeId, verdict.Passed, verdict.Failure, audited: true);
            }

            // Downstream challenges of the same nodes count like audits (passes first, so the failures weigh as the most recent).
            foreach (var nodeId in _challenges.Keys)
            {
                if (!_challenges.TryRemove(nodeId, out var tally))
                {
                    continue;
                }

                lock (tally)
                {
                    tally.Taken = true;
                    if (!(changed.ContainsKey(nodeId) || nodes.ContainsKey(nodeId)))
                    {
                        continue; // not a storage node of this hub's kept files
                    }

                    for (var n = 0; n < tally.Passed; n++)
                    {
                        Judge(nodeId, true, null, audited: false);
                    }

                    for (var n = 0; n < tally.Failed; n++)
                    {
                        Judge(nodeId, false, "downstream challenge: " + tally.LastFailure, audited: false);
                    }

                    if (tally.Failed > 0)
                    {
                        decisions.Add(new KeeperDecision(now, "challenge-failed", nodeId, null, FormattableString.Invariant($"{tally.Failed} downstream challenges failed, the last: {tally.LastFailure}")));
                    }
                }
            }

            await store.RecordAuditsAsync(
                [.. verdicts.Select((v, i) => (v.Share, v.Verdict.Passed ? ShareState.Held : stale[i] ? ShareState.Stale : ShareState.FailedAudit))], changed, decisions, now, cancellationToken).ConfigureAwait(false);
            KeeperLog.AuditPass(logger, verdicts.Count(v => v.Verdict.Passed), verdicts.Count(v => !v.Verdict.Passed));
            if (disqualified || verdicts.Any(v => !v.Verdict.Passed))
            {
                WakeChecker();
            }
        }
        finally
        {
            _passGate.Release();
            Interlocked.Increment(ref _auditPasses);
        }
    }

    /// <summary>One checker pass: who is reachable, the hub's leases renewed, healthy shares counted, files below the threshold repaired.</summary>
    public async Task CheckPassAsync(CancellationToken cancellationToken)
    {
        await _passGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var servers = await LiveServersAsync(cancellationToken).ConfigureAwait(false);
            await UpdateReachabilityAsync(servers, cancellationToken).ConfigureAwait(false);
            var leases = await RenewLeasesAsync(null, cancellationToken).ConfigureAwait(false);
            var below = await store.RecountAsync(Threshold, 10_000, time.Micros(), cancellationToken).ConfigureAwait(false);
            var (files, _) = await store.FileTotalsAsync(cancellationToken).ConfigureAwait(false);
            KeeperLog.CheckerPass(logger, files, below.Count, leases);
            if (below.Count > 0)
            {
                var nodes = await store.NodesAsync(cancellationToken).ConfigureAwait(false);
                var good = servers.Where(s => nodes.GetValueOrDefault(s.Key) is { Reachable: true } n && n.Reputation.Standing != NodeStanding.Disqualified)
                    .Select(s => (s.Value.Url, Vetted: nodes[s.Key].Reputation.Standing == NodeStanding.Vetted)).ToList();
                await Parallel.ForEachAsync(
                    below,
                    new ParallelOptions { MaxDegreeOfParallelism = _options.RepairConcurrency, CancellationToken = cancellationToken },
                    async (file, ct) =>
                    {
                        if (Cap.Parse(file.VerifyCap) is MutableVerifyCap mutable)
                        {
                            await RecheckMutableAsync(file, mutable, servers, ct).ConfigureAwait(false);
                        }
                        else
                        {
                            await RepairAsync(file, good, ct).ConfigureAwait(false);
                        }
                    }).ConfigureAwait(false);
            }
        }
        finally
        {
            _passGate.Release();
            Interlocked.Increment(ref _checkerPasses);
        }
    }

    private void WakeChecker() => Volatile.Read(ref _wakeChecker).TrySetResult();

    private async Task<AuditVerdict> AuditAsync(StorageClient node, KeptShare share, CancellationToken cancellationToken)
    {
        var basis = _bases.GetOrAdd(share.File.Id, _ =>
            AuditBasis.TryCreate((ChkVerifyCap)Cap.Parse(share.File.VerifyCap), share.File.Extension, out var b, out var error)
                ? b!
                : throw new InvalidDataException($"the kept extension of {share.File.StorageIndex} does not match its cap: {error}"));
        var blocks = ShareAudit.ChooseBlocks(basis, Math.Min(_options.BlocksPerAudit, basis.SegmentCount));
        return await ShareAudit.AuditAsync(node, basis, share.Share, blocks, TimeSpan.FromSeconds(_options.AuditTimeoutSeconds), cancellationToken).ConfigureAwait(false);
    }

    // A mutable share audited against the newest version the hub has recorded of its file (the store keeps it current).
    private Task<MutableAuditResult> AuditMutableAsync(StorageClient node, MutableVerifyCap cap, KeptShare share, CancellationToken cancellationToken) =>
        MutableShareAudit.AuditAsync(
            node, cap, MutableVersion.Parse(share.File.Extension), share.Share, _options.BlocksPerAudit, TimeSpan.FromSeconds(_options.AuditTimeoutSeconds), cancellationToken);

    // Mutable files written since the hub last looked: later audits judge against the newer version.
    private async Task RecordNewerVersionsAsync(IReadOnlyDictionary<long, MutableVersion> newer, CancellationToken cancellationToken)
    {
        foreach (var (fileId, version) in newer)
        {
            await store.UpdateVersionAsync(fileId, version.Header.ToArray(), version.Parameters.K, version.Parameters.N, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UpdateReachabilityAsync(IReadOnlyDictionary<string, StorageClient> servers, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(servers.Select(async server =>
        {
            try
            {
                await WithTimeout(ct => server.Value.GetVersionAsync(ct), cancellationToken).ConfigureAwait(false);
                return (server.Key, Reachable: true);
            }
            catch (Exception e) when (e is StorageException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return (server.Key, Reachable: false);
            }
        })).ConfigureAwait(false);
        var reachable = answers.Where(a => a.Reachable).Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        var now = time.Micros();
        var nodes = await store.NodesAsync(cancellationToken).ConfigureAwait(false);
        var changed = new List<KeptNode>();
        var decisions = new List<KeeperDecision>();
        foreach (var id in nodes.Keys.Union(reachable))
        {
            var node = nodes.GetValueOrDefault(id) ?? NewNode(id, now) with { Reachable = false };
            var isReachable = reachable.Contains(id);
            if (node.Reachable != isReachable || !nodes.ContainsKey(id))
            {
                changed.Add(node with { Reachable = isReachable });
                if (nodes.ContainsKey(id))
                {
                    var state = isReachable ? "reachable again" : "unreachable";
                    KeeperLog.Reachability(logger, id, state);
                    decisions.Add(new KeeperDecision(now, isReachable ? "node-back" : "node-lost", id, null, state));
                }
            }
        }

        await store.SaveNodesAsync(changed, decisions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renews the hub's lease wherever it is due on an announced node (on one file's holders, if named); returns how many renewed.</summary>
    private async Task<int> RenewLeasesAsync(string? storageIndex, CancellationToken cancellationToken)
    {
        _leases ??= new LeaseSecrets(await LeaseSecretAsync(cancellationToken).ConfigureAwait(false));
        var now = time.Micros();
        var due = await store.LeasesDueAsync(now - (_options.LeaseRenewSeconds * HubClock.MicrosPerSecond), 100_000, cancellationToken, storageIndex).ConfigureAwait(false);
        if (due.Count == 0)
        {
            return 0;
        }

        var servers = await LiveServersAsync(cancellationToken).ConfigureAwait(false);
        var renewed = new ConcurrentBag<(long, string)>();
        await Parallel.ForEachAsync(
            due.Where(d => servers.ContainsKey(d.NodeId)),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (d, ct) =>
            {
                var server = servers[d.NodeId];
                var index = StorageIndex.Parse(d.File.StorageIndex);
                try
                {
                    if (await WithTimeout(c => server.RenewLeaseAsync(index, _leases.RenewSecret(index, server.Url.NodeId.Bytes), _leases.CancelSecret(index, server.Url.NodeId.Bytes), c), ct).ConfigureAwait(false))
                    {
                        renewed.Add((d.File.Id, d.NodeId));
                    }
                }
                catch (Exception e) when (e is StorageException or HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    // renewed at a later pass
                }
            }).ConfigureAwait(false);
        await store.MarkLeasedAsync([.. renewed], now, cancellationToken).ConfigureAwait(false);
        return renewed.Count;
    }

    // Repairs through the nodes in good standing; only through vetted ones when there are at least n of them.
    private async Task RepairAsync(KeptFile file, IReadOnlyList<(StorageUrl Url, bool Vetted)> good, CancellationToken cancellationToken)
    {
        var now = time.Micros();
        var vetted = good.Where(g => g.Vetted).Select(g => g.Url).ToList();
        var through = vetted.Count >= file.Total ? vetted : good.Select(g => g.Url).ToList();
        try
        {
            var secret = await LeaseSecretAsync(cancellationToken).ConfigureAwait(false);
            var client = await new GranaryClientBuilder()
                .WithServers(through)
                .WithSettings(new ClientSettings(file.Needed, Math.Min(hubOptions.Encoding.Happy, file.Total), file.Total))
                .WithSecrets(new ClientSecrets(() => throw new InvalidOperationException("The keeper makes no new files."), () => secret))
                .WithHttpClient(http)
                .WithTime(time)
                .BuildAsync(cancellationToken).ConfigureAwait(false);
            var node = client.Nodes.Create(Cap.Parse(file.VerifyCap));
            var report = await node.CheckAsync(verify: false, null, cancellationToken).ConfigureAwait(false);
            var result = await node.RepairAsync(report, new RepairOptions(MaxBytesPerSecond: _options.RepairBytesPerSecond > 0 ? _options.RepairBytesPerSecond : null), null, cancellationToken).ConfigureAwait(false);
            var holdings = result.After.Holdings.Where(h => h.Intact).Select(h => (h.Share, h.Server.ToString())).Distinct().ToList();
            var healthy = result.After.GoodShares;
            KeeperLog.Repaired(logger, file.StorageIndex, result.SharesMade.Count, healthy);
            await store.RecordRepairAsync(
                file, holdings, healthy, null, now,
                new KeeperDecision(now, "repaired", null, file.StorageIndex, FormattableString.Invariant($"{result.SharesMade.Count} shares made ({string.Join(',', result.SharesMade)}); {healthy} healthy")),
                cancellationToken).ConfigureAwait(false);
            await EnsureNodesAsync(holdings.Select(h => h.Item2), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            KeeperLog.RepairFailed(logger, file.StorageIndex, e.Message);
            await store.RecordRepairAsync(file, [], 0, e.Message, now, new KeeperDecision(now, "repair-failed", null, file.StorageIndex, e.Message), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A mutable file below the threshold. A new mutable share can only be written with the file's
    /// write enabler, which derives from the write key, so the keeper cannot re-make shares as it does
    /// for immutable files. It finds where the newest version's shares are now (the owner may have
    /// written or repaired it since), records them, and when the file is still below the threshold says
    /// so: its owner repairs it with the write cap.
    /// </summary>
    private async Task RecheckMutableAsync(KeptFile file, MutableVerifyCap cap, IReadOnlyDictionary<string, StorageClient> servers, CancellationToken cancellationToken)
    {
        var now = time.Micros();
        var nodes = await store.NodesAsync(cancellationToken).ConfigureAwait(false);
        var good = servers.Where(s => nodes.GetValueOrDefault(s.Key) is not { Reputation.Standing: NodeStanding.Disqualified }).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        var holdings = await CurrentMutableSharesAsync(good, cap, cancellationToken).ConfigureAwait(false);
        var kept = MutableVersion.Parse(file.Extension);
        if (holdings is not { Newest: { } version } || version < kept)
        {
            await store.RecordMutableRecheckAsync(file, null, "no node holds a share of the file's newest version", now, cancellationToken).ConfigureAwait(false);
            return;
        }

        var healthy = holdings.Healthy;
        var threshold = Math.Min(Threshold, version.Parameters.N);
        var problem = healthy >= threshold
            ? null
            : FormattableString.Invariant(
                $"{healthy} of {version.Parameters.N} shares of seqnum {version.Seqnum} are held; a hub cannot write mutable shares (that takes the file's write enabler): repair it with its write cap (granary check --repair)");
        if (version > kept)
        {
            await store.UpdateVersionAsync(file.Id, version.Header.ToArray(), version.Parameters.K, version.Parameters.N, cancellationToken).ConfigureAwait(false);
        }

        await EnsureNodesAsync(holdings.Current.Select(h => h.NodeId).Concat(holdings.Stale.Select(h => h.NodeId)), cancellationToken).ConfigureAwait(false);
        if (await store.RecordMutableRecheckAsync(file, holdings, problem, now, cancellationToken).ConfigureAwait(false) && problem is not null)
        {
            KeeperLog.MutableBelowThreshold(logger, file.StorageIndex, healthy, version.Parameters.N);
        }

        await RenewLeasesAsync(file.StorageIndex, cancellationToken).ConfigureAwait(false);
    }

    // The hub's lease secret, read (or made) once: every lease and repair derives from it.
    private async Task<byte[]> LeaseSecretAsync(CancellationToken cancellationToken) =>
        _leaseSecret ??= await store.LeaseSecretAsync(cancellationToken).ConfigureAwait(false);

    private async Task EnsureNodesAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var nodes = await store.NodesAsync(cancellationToken).ConfigureAwait(false);
        var now = time.Micros();
        var fresh = ids.Distinct(StringComparer.Ordinal).Where(id => !nodes.ContainsKey(id)).Select(id => NewNode(id, now)).ToList();
        if (fresh.Count > 0)
        {
            await store.SaveNodesAsync(fresh, [], cancellationToken).ConfigureAwait(false);
        }
    }

    private KeptNode NewNode(string id, long now) => new(id, Reputation.New(_options), true, 0, null, now);

    /// <summary>Every announced node, by node id, with a storage client for it.</summary>
    private async Task<Dictionary<string, StorageClient>> LiveServersAsync(CancellationToken cancellationToken)
    {
        var servers = new Dictionary<string, StorageClient>(StringComparer.Ordinal);
        foreach (var announced in await announcements.LiveAsync(time.Micros(), cancellationToken).ConfigureAwait(false))
        {
            if (StorageUrl.TryParse(announced.StorageUrl, out var url, out _))
            {
                servers[url!.NodeId.ToString()] = new StorageClient(url, http);
            }
        }

        return servers;
    }

    private static async Task<T> WithTimeout<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ProbeTimeout);
        return await call(deadline.Token).ConfigureAwait(false);
    }
}
