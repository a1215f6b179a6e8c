using System.Security.Cryptography;
using Granary.Hub.Tracker.Federation;
using Microsoft.Playwright;

namespace Granary.Hub.Tests.Tracker;

/// <summary>The tracker page as an operator sees it, in Debian's headless Chromium.</summary>
public sealed class TrackerDashboardBrowserTests
{
    [Fact]
    public async Task The_tracker_page_shows_files_active_peers_and_members_with_their_state()
    {
        await using var hub = await TestHub.StartAsync(Backend.Sqlite);
        var seeded = await hub.TrackerHttp.NewPeerWithFileAsync(TrackerCalls.Hash("seeded"));
        Assert.Equal(200, (await hub.TrackerHttp.KeepAliveAsync(seeded, 0)).Status);
        await hub.TrackerHttp.NewPeerWithFileAsync(TrackerCalls.Hash("quiet"));
        await hub.Tracker!.Federation.SetMembersAsync([new TrackerMember("far-away", "Far away tracker", new Uri("http://127.0.0.1:9/"), RandomNumberGenerator.GetBytes(32), false)], CancellationToken.None);

        await using var browser = await DashboardBrowser.OpenAsync(new Uri(hub.Url, "/ui/"));
        var page = browser.Page;
        await page.ClickAsync("#tracker-link");
        Assert.EndsWith("/ui/tracker.html", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#files-total")).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#peers-active")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#files tbody")).ToContainTextAsync(TrackerCalls.Hash("seeded")[..16]);
        await Assertions.Expect(page.Locator("#files tbody")).ToContainTextAsync("0 (no active host)");
        await Assertions.Expect(page.Locator("#peers tbody")).ToContainTextAsync(seeded[..8]);
        await Assertions.Expect(page.Locator("#members tbody")).ToContainTextAsync("Far away tracker (far-away)");
        await Assertions.Expect(page.Locator("#members tbody")).ToContainTextAsync("127.0.0.1:9");
        Assert.DoesNotContain(seeded, await page.ContentAsync(), StringComparison.Ordinal);

        // The member never answers: after the failures the page says it is not reached, with the error.
        await Assertions.Expect(page.Locator("#members tbody")).ToContainTextAsync("not reached yet", new LocatorAssertionsToContainTextOptions { Timeout = 20_000 });

        // The peer goes quiet past the timeout: on the next refresh it no longer counts.
        hub.Time.Advance(TimeSpan.FromSeconds(25));
        await Assertions.Expect(page.Locator("#peers-active")).ToHaveTextAsync("0", new LocatorAssertionsToHaveTextOptions { Timeout = 15_000 });
        Assert.True(browser.Problems.Count == 0, string.Join("\n", browser.Problems));
    }
}
