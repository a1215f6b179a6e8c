using Granary.Client.Selection;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Identity;
using Granary.Core.Protocol;

namespace Granary.Client.Upload;

/// <summary>Which server is to receive which share of an upload: the allocations a placement made.</summary>
internal sealed record Placement(IReadOnlyDictionary<int, StorageClient> Targets, IReadOnlyDictionary<NodeId, string> Unusable);

/// <summary>
/// Decides where an upload's shares go and reserves room for them: asks every server what it holds
/// and how much room it has, plans on the permuted ring by servers of happiness
/// (<see cref="SharePlacement"/>), allocates, and plans again around servers that refuse.
/// </summary>
/// <remarks>
/// Guarantees: shares already on the grid are kept where they are and not uploaded again; with
/// <c>requireHappiness</c>, nothing is allocated unless the plan reaches the wanted happiness. A
/// corrupt copy (<c>knownBad</c>) does not count as held, and its server takes no new shares (it
/// would answer "already have"); a corrupt copy its node has confirmed (<c>replaceable</c>) stays
/// where it is in the plan, because the node lets an upload of that share replace it. A server in
/// <c>excluded</c> (a repairer's disqualified node) is left out altogether: what it holds does not
/// count and it is given nothing. Does not
/// stream anything (<see cref="ShareStreamer"/> does), and does not weigh servers by speed.
/// </remarks>
internal sealed class SharePlacer(
    GranaryClient client,
    bool requireHappiness = true,
    IReadOnlySet<(NodeId Server, int Share)>? knownBad = null,
    IReadOnlySet<(NodeId Server, int Share)>? replaceable = null,
    IReadOnlySet<NodeId>? excluded = null)
{
    private const int MaxRounds = 4;

    public async Task<Placement> PlaceAsync(StorageIndex index, int totalShares, long shareSize, byte[] uploadSecret, CancellationToken cancellationToken)
    {
        var grid = client.Grid;
        var probes = (await grid.ProbeAsync(index, withSpace: true, cancellationToken).ConfigureAwait(false))
            .Where(p => excluded?.Contains(p.Server.Url.NodeId) != true).ToList();
        var unusable = probes.Where(p => !p.Reachable).ToDictionary(p => p.Server.Url.NodeId, p => p.Error ?? "unreachable");
        var bad = new HashSet<(NodeId, int)>(knownBad ?? new HashSet<(NodeId, int)>());
        var views = PermutedRing.Order(index, probes.Where(p => p.Reachable), p => p.Server.Url.NodeId)
            .Select(p =>
            {
                var node = p.Server.Url.NodeId;
                var holdsBad = p.Holds.Any(share => bad.Contains((node, share)));
                return new ServerView<StorageClient>(p.Server, p.AvailableSpace >= shareSize && !holdsBad, p.Holds.Where(share => !bad.Contains((node, share))).ToHashSet());
            })
            .ToList();

        var targets = new Dictionary<int, StorageClient>();
        for (var round = 1; ; round++)
        {
            var plan = SharePlacement.Plan(views, totalShares);
            if (requireHappiness && plan.Happiness < client.Settings.Happy)
            {
                throw new UploadException(Unhappy(plan.Happiness, views, unusable, shareSize));
            }

            // Every server's allocation at once: one round trip for the plan, not one per server.
            var requests = plan.NewShares.Keys.Concat(plan.ExistingShares.Keys).Distinct().Select(server =>
            {
                var node = server.Url.NodeId;
                var fresh = plan.NewShares.GetValueOrDefault(server, []);
                var replace = plan.ExistingShares.GetValueOrDefault(server, []).Where(s => replaceable?.Contains((node, s)) == true).ToList();
                var wanted = fresh.Concat(plan.ExistingShares.GetValueOrDefault(server, [])).Distinct().ToList();
                return (Server: server, Fresh: fresh, Replace: replace, Answer: AllocateAsync(server, index, wanted, shareSize, uploadSecret, cancellationToken));
            }).ToList();

            try
            {
                await Task.WhenAll(requests.Select(r => r.Answer)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Earlier rounds gave theirs back already; this round's grants are only in the answers.
                await GiveBackAsync(index, requests.Where(r => r.Answer.IsCompletedSuccessfully && r.Answer.Result.Result is not null)
                    .SelectMany(r => r.Answer.Result.Result!.Allocated.Select(share => KeyValuePair.Create(share, r.Server))), uploadSecret).ConfigureAwait(false);
                throw;
            }

            var refusedBy = new List<StorageClient>();
            foreach (var (server, fresh, replace, answer) in requests)
            {
                var node = server.Url.NodeId;
                var (result, error) = answer.Result;
                if (result is null)
                {
                    unusable[node] = error!;
                    refusedBy.Add(server);
                    continue;
                }

                foreach (var share in result.Allocated.Where(s => fresh.Contains(s) || replace.Contains(s)))
                {
                    targets[share] = server;
                }

                var notReplaced = replace.Intersect(result.AlreadyHave).ToList();
                bad.UnionWith(notReplaced.Select(share => (node, share)));
                if (notReplaced.Count > 0 || fresh.Except(result.Allocated).Except(result.AlreadyHave).Any())
                {
                    refusedBy.Add(server);
                }
            }

            if (refusedBy.Count == 0)
            {
                break;
            }

            views = [.. views.Select(v => refusedBy.Contains(v.Server)
                ? v with { Writable = false, Holds = unusable.ContainsKey(v.Server.Url.NodeId) ? new HashSet<int>() : v.Holds.Where(share => !bad.Contains((v.Server.Url.NodeId, share))).ToHashSet() }
                : v)];
            if (round == MaxRounds)
            {
                if (requireHappiness)
                {
                    await Allocations.AbortAsync(grid, index, targets, uploadSecret, cancellationToken).ConfigureAwait(false);
                    throw new UploadException(Unhappy(SharePlacement.Plan(views, totalShares).Happiness, views, unusable, shareSize));
                }

                break; // a repair keeps what it could allocate
            }

            // A server refused (full since it answered, or gone): give back this round's allocations and plan again without it.
            await Allocations.AbortAsync(grid, index, targets, uploadSecret, cancellationToken).ConfigureAwait(false);
            targets.Clear();
        }

        return new Placement(targets, unusable);
    }

    /// <summary>A cancelled placement gives back what it was granted, within a few seconds of its own.</summary>
    private async Task GiveBackAsync(StorageIndex index, IEnumerable<KeyValuePair<int, StorageClient>> granted, byte[] uploadSecret)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await Allocations.AbortAsync(client.Grid, index, granted.ToList(), uploadSecret, deadline.Token).ConfigureAwait(false);
    }

    /// <summary>One server's allocation; its failure is an answer too (the server is then unusable for this upload).</summary>
    private async Task<(AllocateResult? Result, string? Error)> AllocateAsync(
        StorageClient server, StorageIndex index, List<int> shares, long shareSize, byte[] uploadSecret, CancellationToken cancellationToken)
    {
        var node = server.Url.NodeId;
        var leases = client.Secrets.Leases;
        try
        {
            var result = await client.Grid.WithDeadlineAsync(server, ct => server.AllocateAsync(
                index, shares, shareSize, uploadSecret, leases.RenewSecret(index, node.Bytes), leases.CancelSecret(index, node.Bytes), ct), cancellationToken).ConfigureAwait(false);
            return (result, null);
        }
        catch (StorageException e)
        {
            return (null, e.Reason);
        }
    }

    private string Unhappy(int achievable, List<ServerView<StorageClient>> views, Dictionary<NodeId, string> unusable, long shareSize)
    {
        var happy = client.Settings.Happy;
        var writable = views.Count(v => v.Writable);
        var full = views.Count(v => !v.Writable && !unusable.ContainsKey(v.Server.Url.NodeId));
        var detail = unusable.Count == 0 ? "" : " Unreachable or failing: " + string.Join("; ", unusable.Take(5).Select(u => $"node {u.Key.ToString()[..8]}: {u.Value}")) + (unusable.Count > 5 ? "; …" : "") + ".";
        return $"Cannot upload: the shares can reach only {achievable} server(s), but happy = {happy} needs {happy}. "
            + $"Of {client.Grid.Servers.Count} known servers, {views.Count} answered, {writable} had room for a {shareSize:N0}-byte share, {full} were full.{detail}";
    }
}
