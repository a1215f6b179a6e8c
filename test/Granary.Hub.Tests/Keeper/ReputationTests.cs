using Granary.Hub.Keeper;

namespace Granary.Hub.Tests.Keeper;

/// <summary>The beta reputation with forgetting, with the default λ = 0.95 and line 0.6.</summary>
public sealed class ReputationTests
{
    private static readonly KeeperOptions Options = new();

    private static Reputation Run(Reputation reputation, params bool[] audits) =>
        audits.Aggregate(reputation, (r, passed) => r.After(passed, Options));

    [Fact]
    public void A_new_node_scores_one_and_is_vetting()
    {
        var fresh = Reputation.New(Options);
        Assert.Equal(1, fresh.Score);
        Assert.Equal(NodeStanding.Vetting, fresh.Standing);
        Assert.Equal((0L, 0L), (fresh.Passed, fresh.Failed));
    }

    [Fact]
    public void Ten_failures_in_a_row_disqualify_and_nine_do_not()
    {
        var nine = Run(Reputation.New(Options), Enumerable.Repeat(false, 9).ToArray());
        Assert.NotEqual(NodeStanding.Disqualified, nine.Standing);
        Assert.InRange(nine.Score, Options.DisqualifyBelow, 1);

        var ten = nine.After(false, Options);
        Assert.Equal(NodeStanding.Disqualified, ten.Standing);
        Assert.True(ten.Score < Options.DisqualifyBelow, $"score {ten.Score}");
        Assert.Equal(10, ten.Failed);
    }

    [Fact]
    public void A_node_failing_one_audit_in_five_settles_near_four_fifths_and_is_never_disqualified()
    {
        var reputation = Reputation.New(Options);
        var lowest = 1.0;
        for (var i = 0; i < 2000; i++)
        {
            reputation = reputation.After(i % 5 != 4, Options);
            lowest = Math.Min(lowest, reputation.Score);
            Assert.NotEqual(NodeStanding.Disqualified, reputation.Standing);
        }

        Assert.InRange(reputation.Score, 0.75, 0.85);
        Assert.True(lowest > Options.DisqualifyBelow, $"lowest score {lowest}");
        Assert.Equal(NodeStanding.Vetted, reputation.Standing);
        Assert.Equal((1600L, 400L), (reputation.Passed, reputation.Failed));
    }

    [Fact]
    public void A_node_is_vetted_once_it_has_passed_the_vetting_audits()
    {
        var almost = Run(Reputation.New(Options), Enumerable.Repeat(true, Options.VettingAudits - 1).ToArray());
        Assert.Equal(NodeStanding.Vetting, almost.Standing);
        Assert.Equal(NodeStanding.Vetted, almost.After(true, Options).Standing);
        // A failure does not count towards vetting.
        Assert.Equal(NodeStanding.Vetting, almost.After(false, Options).Standing);
    }

    [Fact]
    public void Disqualification_is_final_however_many_audits_pass_afterwards()
    {
        var disqualified = Run(Reputation.New(Options), Enumerable.Repeat(false, 10).ToArray());
        Assert.Equal(NodeStanding.Disqualified, disqualified.Standing);

        var after = Run(disqualified, Enumerable.Repeat(true, 500).ToArray());
        Assert.Equal(NodeStanding.Disqualified, after.Standing);
        Assert.Equal(500, after.Passed);
        // The score is frozen where it fell: passes no longer move α.
        Assert.Equal(disqualified.Score, after.Score);
    }
}
