using Granary.Client.Selection;
using Granary.Core.Caps;
using Granary.Core.Identity;

namespace Granary.Client.Tests;

public class PlacementTests
{
    private static ServerView<string> Server(string name, bool writable = true, params int[] holds) => new(name, writable, holds.ToHashSet());

    private static Dictionary<int, IReadOnlySet<string>> Holders(params (int Share, string[] Servers)[] entries) =>
        entries.ToDictionary(e => e.Share, e => (IReadOnlySet<string>)e.Servers.ToHashSet());

    [Fact]
    public void Happiness_counts_distinct_servers_in_a_maximum_matching()
    {
        // Three shares all on one server: happiness 1. Spread over three servers: 3.
        Assert.Equal(1, Happiness.Of(Holders((0, ["a"]), (1, ["a"]), (2, ["a"]))));
        Assert.Equal(3, Happiness.Of(Holders((0, ["a"]), (1, ["b"]), (2, ["c"]))));

        // The matching has to reassign: share 0 on a or b, share 1 only on a.
        Assert.Equal(2, Happiness.Of(Holders((0, ["a", "b"]), (1, ["a"]))));
        Assert.Equal(0, Happiness.Of(new Dictionary<int, IReadOnlySet<string>>()));
    }

    [Fact]
    public void Ten_shares_on_ten_empty_servers_go_one_each_in_ring_order()
    {
        var ring = Enumerable.Range(0, 10).Select(i => Server($"s{i}")).ToList();
        var plan = SharePlacement.Plan(ring, 10);
        Assert.Equal(10, plan.Happiness);
        Assert.All(plan.NewShares.Values, shares => Assert.Single(shares));
        Assert.Equal(0, plan.NewShares["s0"][0]);
        Assert.Empty(plan.ExistingShares);
    }

    [Fact]
    public void Fewer_servers_than_shares_spread_the_rest_evenly()
    {
        var ring = Enumerable.Range(0, 4).Select(i => Server($"s{i}")).ToList();
        var plan = SharePlacement.Plan(ring, 10);
        Assert.Equal(4, plan.Happiness);
        Assert.Equal(10, plan.NewShares.Values.Sum(s => s.Count));
        Assert.All(plan.NewShares.Values, shares => Assert.InRange(shares.Count, 2, 3));
    }

    [Fact]
    public void Shares_already_on_servers_are_reused_not_uploaded_again()
    {
        var ring = new List<ServerView<string>> { Server("a", true, 0, 1), Server("b", true, 2), Server("c"), Server("d") };
        var plan = SharePlacement.Plan(ring, 5);
        var uploaded = plan.NewShares.Values.SelectMany(s => s).Order().ToList();
        Assert.Equal([3, 4], uploaded);
        Assert.Equal(new[] { 0, 1 }, plan.ExistingShares["a"]);
        // c and d each receive one of the missing shares: happiness a, b, c, d = 4.
        Assert.Equal(4, plan.Happiness);
    }

    [Fact]
    public void Full_servers_keep_their_shares_but_take_no_new_ones()
    {
        var ring = new List<ServerView<string>> { Server("full", false, 0), Server("b"), Server("c") };
        var plan = SharePlacement.Plan(ring, 4);
        Assert.False(plan.NewShares.ContainsKey("full"));
        Assert.Equal(3, plan.Happiness);
        Assert.Equal(3, plan.NewShares.Values.Sum(s => s.Count));
    }

    [Fact]
    public void With_no_writable_servers_nothing_new_is_placed()
    {
        var plan = SharePlacement.Plan([Server("a", false), Server("b", false)], 3);
        Assert.Empty(plan.NewShares);
        Assert.Equal(0, plan.Happiness);
    }

    [Fact]
    public void The_permuted_ring_is_the_same_for_everyone_and_differs_per_file()
    {
        var nodes = Enumerable.Range(0, 20).Select(i => new NodeId(System.Security.Cryptography.SHA1.HashData(new[] { (byte)i }))).ToList();
        var one = StorageIndex.FromBytes(new byte[16]);
        var two = StorageIndex.FromBytes(Enumerable.Repeat((byte)7, 16).ToArray());
        var first = PermutedRing.Order(one, nodes, n => n);
        Assert.Equal(first, PermutedRing.Order(one, nodes.AsEnumerable().Reverse(), n => n));
        Assert.NotEqual(first, PermutedRing.Order(two, nodes, n => n));
        Assert.Equal(nodes.Count, first.Distinct().Count());
    }
}
