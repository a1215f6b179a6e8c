using Granary.Hub.Tests.Downstream;
using Microsoft.Playwright;

namespace Granary.Hub.Tests;

/// <summary>The downstream contracts page as an operator sees it, in Debian's headless Chromium.</summary>
public sealed class ContractsDashboardBrowserTests
{
    [Fact]
    public async Task The_contracts_page_shows_each_farmer_with_its_live_contracts_bytes_and_answered_challenges()
    {
        await using var hub = await TestHub.StartAsync(Backend.Sqlite, options =>
        {
            options.Downstream.TestChunkSize = 4096;
            options.Downstream.MaxTokensPerIp = 0;
        });
        using var disk = new TempDirectory("farmer");
        var busy = await new DownstreamFarmer(hub, disk).RegisterAsync();
        var (_, ids) = await busy.TakeChunksAsync(3 * 4096);
        var (status, _, _) = await busy.AnswerAsync([.. ids]);
        Assert.Equal(200, status);
        await new DownstreamFarmer(hub, disk).RegisterAsync(); // a farmer with no contract yet

        await using var browser = await DashboardBrowser.OpenAsync(new Uri(hub.Url, "/ui/"));
        var page = browser.Page;
        await page.ClickAsync("#contracts-link");
        Assert.EndsWith("/ui/contracts.html", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#farmers-online")).ToHaveTextAsync("1 / 2");
        await Assertions.Expect(page.Locator("#contracts-live")).ToHaveTextAsync("3");
        await Assertions.Expect(page.Locator("#bytes-live")).ToHaveTextAsync("12.0 KiB");
        await Assertions.Expect(page.Locator("#heartbeats")).ToHaveTextAsync("3");
        var rows = page.Locator("#farmers tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.First).ToContainTextAsync("12.0 KiB"); // the busy farmer first: most live contracts
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("updated");
        Assert.True(browser.Problems.Count == 0, string.Join("\n", browser.Problems));
    }
}
