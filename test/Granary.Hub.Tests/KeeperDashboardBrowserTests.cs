using Granary.Hub.Data;
using Granary.Hub.Keeper;
using Microsoft.Playwright;

namespace Granary.Hub.Tests;

/// <summary>The keeper page as an operator sees it, in Debian's headless Chromium.</summary>
public sealed class KeeperDashboardBrowserTests
{
    [Fact]
    public async Task The_keeper_page_shows_nodes_with_their_audits_and_state_kept_files_and_decisions()
    {
        await using var hub = await TestHub.StartAsync(Backend.Sqlite);
        await using (var database = HubDatabase.Open(hub.Hub))
        {
            var store = new KeeperStore(database);
            var options = new KeeperOptions();
            var now = HubClock.ToMicros(TestHub.Start);
            var good = new KeptNode(new string('a', 40), Reputation.New(options).After(true, options), true, now, null, now);
            var bad = new KeptNode(new string('b', 40), Reputation.New(options) with { Alpha = 1, Beta = 9, Passed = 1, Failed = 9, Standing = NodeStanding.Disqualified }, true, now, "share 3: share not held", now);
            await store.SaveNodesAsync([good, bad], [new KeeperDecision(now, "disqualified", bad.NodeId, null, "score 0.100 after 1 audits passed and 9 failed")], CancellationToken.None);
            await store.KeepAsync("client", "aaaaaaaaaaaaaaaaaaaaaaaaaa", "URI:CHK-Verifier:x", [1, 2, 3], 3, 10, [(0, good.NodeId), (1, bad.NodeId)], 10, now, CancellationToken.None);
        }

        await using var browser = await DashboardBrowser.OpenAsync(new Uri(hub.Url, "/ui/"));
        var page = browser.Page;
        await page.ClickAsync("#keeper-link");
        Assert.EndsWith("/ui/keeper.html", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#files-total")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#files-short")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#nodes-good")).ToHaveTextAsync("1 / 2");
        await Assertions.Expect(page.Locator("#nodes-disqualified")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#nodes tbody")).ToContainTextAsync(new string('b', 40));
        await Assertions.Expect(page.Locator("#nodes tbody")).ToContainTextAsync("share 3: share not held");
        await Assertions.Expect(page.Locator("#files tbody")).ToContainTextAsync("2 / 10");
        await Assertions.Expect(page.Locator("#decisions tbody")).ToContainTextAsync("score 0.100 after 1 audits passed and 9 failed");
        Assert.True(browser.Problems.Count == 0, string.Join("\n", browser.Problems));
    }
}
