namespace Granary.Client.Selection;

/// <summary>
/// Servers of happiness: the size of a maximum matching between servers and the shares they hold.
/// If happiness is h ≥ k, any k of those h servers hold k distinct shares between them, so the file
/// survives the loss of any h − k servers. Computed with augmenting paths (Kuhn's algorithm): at most
/// 256 shares, so simple is fast.
/// </summary>
public static class Happiness
{
    /// <summary>Happiness of placements given as share → servers holding it.</summary>
    public static int Of<TServer>(IReadOnlyDictionary<int, IReadOnlySet<TServer>> holders)
        where TServer : notnull =>
        MaximumMatching(holders).Count;

    /// <summary>A maximum matching: each matched share paired with a distinct server holding it.</summary>
    public static Dictionary<int, TServer> MaximumMatching<TServer>(IReadOnlyDictionary<int, IReadOnlySet<TServer>> holders)
        where TServer : notnull
    {
        var shareOf = new Dictionary<TServer, int>();
        foreach (var share in holders.Keys.Order())
        {
            TryAugment(share, holders, shareOf, []);
        }

        return shareOf.ToDictionary(pair => pair.Value, pair => pair.Key);
    }

    private static bool TryAugment<TServer>(
        int share, IReadOnlyDictionary<int, IReadOnlySet<TServer>> holders, Dictionary<TServer, int> shareOf, HashSet<TServer> visited)
        where TServer : notnull
    {
        foreach (var server in holders[share])
        {
            if (!visited.Add(server))
            {
                continue;
            }

            if (!shareOf.TryGetValue(server, out var other) || TryAugment(other, holders, shareOf, visited))
            {
                shareOf[server] = share;
                return true;
            }
        }

        return false;
    }
}
