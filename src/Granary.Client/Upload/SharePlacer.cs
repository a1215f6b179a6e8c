using Granary.Client.Selection;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Identity;

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
/// where it is in the plan, because the node lets an upload of that share replace it. Does not
/// stream anything (<see cref="ShareStreamer"/> does), and does not weigh servers by speed.
/// </remarks>
internal sealed class SharePlacer(
    GranaryClient client,
    bool requireHappiness = true,
    IReadOnlySet<(NodeId Server, int Share)>? knownBad = null,
    IReadOnlySet<(NodeId Server, int Share)>? replaceable = null)
{
    private const int MaxRounds = 4;

    public async Task<Placement> PlaceAsync(StorageIndex index, int totalShares, long shareSize, byte[] uploadSecret, CancellationToken cancellationToken)
    {
        var grid = client.Grid;
        var probes = await grid.ProbeAsync(index, withSpace: true, cancellationToken).ConfigureAwait(false);
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

            var refusedBy = new List<StorageClient>();
            foreach (var server in plan.NewShares.Keys.Concat(plan.ExistingShares.Keys).Distinct())
            {
                var node = server.Url.NodeId;
                var fresh = plan.NewShares.GetValueOrDefault(server, []);
                var replace = plan.ExistingShares.GetValueOrDefault(server, []).Where(s => replaceable?.Contains((node, s)) == true).ToList();
                var wanted = fresh.Concat(plan.ExistingShares.GetValueOrDefault(server, [])).Distinct().ToList();
                try
                {
                    var leases = client.Secrets.Leases;
                    var result = await grid.WithDeadlineAsync(server, ct => server.AllocateAsync(
                        index, wanted, shareSize, uploadSecret, leases.RenewSecret(index, node.Bytes), leases.CancelSecret(index, node.Bytes), ct), cancellationToken).ConfigureAwait(false);
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
                catch (StorageException e)
                {
                    unusable[node] = e.Reason;
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
