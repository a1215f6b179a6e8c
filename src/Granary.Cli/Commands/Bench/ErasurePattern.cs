namespace Granary.Cli.Commands.Bench;

/// <summary>
/// One set of k shares to decode from: which data shares were lost, and the share list in the order
/// the blocks arrive (each lost data share's place taken by the next parity share).
/// </summary>
internal sealed record ErasurePattern(string Name, int[] LostDataShares, int[] Shares)
{
    /// <summary>The easiest recovery that does any work: data share 0 lost, parity share k in its place.</summary>
    public static ErasurePattern Best(int k, int n) => Losing("best", [0], k, n);

    /// <summary>
    /// Every parity share used, so as many data shares as possible are lost, in several layouts:
    /// leading, trailing, spread evenly and seeded random. How the lost blocks lie can cost as much
    /// as how many there are, so the worst case is the slowest of these, not the first.
    /// </summary>
    public static IReadOnlyList<ErasurePattern> Worst(int k, int n)
    {
        var lost = Math.Min(k, n - k);
        var random = new Random(k * 1000 + n);
        int[][] layouts =
        [
            [.. Enumerable.Range(0, lost)],
            [.. Enumerable.Range(k - lost, lost)],
            [.. Enumerable.Range(0, lost).Select(i => i * k / lost)],
            .. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, k).OrderBy(_ => random.Next()).Take(lost).Order().ToArray()),
        ];
        string[] names = ["leading", "trailing", "spread", "random", "random", "random"];

        var patterns = new List<ErasurePattern>();
        for (var i = 0; i < layouts.Length; i++)
        {
            if (!patterns.Exists(p => p.LostDataShares.SequenceEqual(layouts[i])))
            {
                patterns.Add(Losing(names[i], layouts[i], k, n));
            }
        }

        return patterns;
    }

    private static ErasurePattern Losing(string name, int[] lostDataShares, int k, int n)
    {
        if (lostDataShares.Length > n - k)
        {
            throw new ArgumentException($"{lostDataShares.Length} lost data shares need as many parity shares; {k}-of-{n} has {n - k}.", nameof(lostDataShares));
        }

        var shares = Enumerable.Range(0, k).ToArray();
        for (var i = 0; i < lostDataShares.Length; i++)
        {
            shares[lostDataShares[i]] = k + i;
        }

        return new ErasurePattern(name, lostDataShares, shares);
    }
}
