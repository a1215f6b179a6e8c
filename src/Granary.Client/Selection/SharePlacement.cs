namespace Granary.Client.Selection;

/// <summary>A server as placement sees it: whether it can take new shares, and which it already holds.</summary>
public sealed record ServerView<TServer>(TServer Server, bool Writable, IReadOnlySet<int> Holds);

/// <summary>Where an upload's shares go: new shares per server, and shares already in place.</summary>
public sealed record PlacementPlan<TServer>(
    IReadOnlyDictionary<TServer, IReadOnlyList<int>> NewShares,
    IReadOnlyDictionary<TServer, IReadOnlyList<int>> ExistingShares)
    where TServer : notnull
{
    /// <summary>Every share → the servers that will hold it once the new shares are uploaded.</summary>
    public Dictionary<int, IReadOnlySet<TServer>> Holders()
    {
        var holders = new Dictionary<int, HashSet<TServer>>();
        foreach (var (server, shares) in NewShares.Concat(ExistingShares))
        {
            foreach (var share in shares)
            {
                if (!holders.TryGetValue(share, out var set))
                {
                    holders[share] = set = [];
                }

                set.Add(server);
            }
        }

        return holders.ToDictionary(pair => pair.Key, pair => (IReadOnlySet<TServer>)pair.Value);
    }

    public int Happiness => Selection.Happiness.Of(Holders());
}

/// <summary>
/// Deciding where the n shares of a file go, given the servers in permuted-ring order.
/// </summary>
/// <remarks>
/// Guarantees: shares servers already hold are reused, never uploaded again, and matched first so
/// that they count towards happiness; then each writable server without a matched share receives
/// one missing share, in ring order, which makes happiness as large as the servers allow; any share
/// still missing goes to the writable server holding the fewest, in ring order. Assumes the servers'
/// answers about what they hold are current; does not weigh servers by speed or free space beyond
/// whether they can take a share (a refusal at allocation time makes the caller plan again).
/// </remarks>
public static class SharePlacement
{
    public static PlacementPlan<TServer> Plan<TServer>(IReadOnlyList<ServerView<TServer>> ring, int totalShares)
        where TServer : notnull
    {
        var held = new Dictionary<int, IReadOnlySet<TServer>>();
        foreach (var share in Enumerable.Range(0, totalShares))
        {
            var holders = ring.Where(s => s.Holds.Contains(share)).Select(s => s.Server).ToHashSet();
            if (holders.Count > 0)
            {
                held[share] = holders;
            }
        }

        var matched = Happiness.MaximumMatching(held);
        var busy = matched.Values.ToHashSet();
        var missing = new Queue<int>(Enumerable.Range(0, totalShares).Where(share => !held.ContainsKey(share)));
        var newShares = ring.ToDictionary(s => s.Server, _ => new List<int>());

        // One missing share to each writable server that has no matched share yet.
        foreach (var server in ring.Where(s => s.Writable && !busy.Contains(s.Server)))
        {
            if (missing.Count == 0)
            {
                break;
            }

            newShares[server.Server].Add(missing.Dequeue());
        }

        // Whatever is left goes to the least loaded writable servers.
        var writable = ring.Where(s => s.Writable).ToList();
        while (missing.Count > 0 && writable.Count > 0)
        {
            var target = writable.MinBy(s => newShares[s.Server].Count + s.Holds.Count)!;
            newShares[target.Server].Add(missing.Dequeue());
        }

        return new PlacementPlan<TServer>(
            newShares.Where(p => p.Value.Count > 0).ToDictionary(p => p.Key, p => (IReadOnlyList<int>)p.Value),
            ring.Where(s => s.Holds.Count > 0).ToDictionary(s => s.Server, s => (IReadOnlyList<int>)s.Holds.Where(h => h < totalShares).Order().ToList()));
    }
}
