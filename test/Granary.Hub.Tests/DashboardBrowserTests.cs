using System.Net.Http.Json;
using System.Security.Cryptography;
using Granary.Core.Identity;
using Granary.Core.Protocol;
using Microsoft.Playwright;

namespace Granary.Hub.Tests;

/// <summary>The dashboard as an operator sees it: rendered by headless Chromium (Debian's, at /usr/bin/chromium).</summary>
public sealed class DashboardBrowserTests
{
    [Fact]
    public async Task The_dashboard_shows_farmers_and_servers_and_refreshes_itself()
    {
        await using var hub = await TestHub.StartAsync(Backend.Sqlite);
        var farmer = await hub.RegisterAsync();
        Assert.Equal(200, (await hub.SendAsync(hub.Signed($"/api/height/{farmer.Address}/42", farmer))).Status);
        using var node = NodeKey.Generate();
        var url = new StorageUrl(node.NodeId, "127.0.0.1", 4567, RandomNumberGenerator.GetBytes(StorageUrl.SecretSize));
        var announced = await hub.Http.PostAsJsonAsync("/" + IntroducerProtocol.AnnouncePath, Announcement.Create(node, url, 10L << 30, 3L << 30, "granary test", 1), IntroducerProtocol.Json);
        Assert.Equal(200, (int)announced.StatusCode);

        await using var browser = await DashboardBrowser.OpenAsync(new Uri(hub.Url, "/ui"));
        var page = browser.Page;
        Assert.EndsWith("/ui/", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#farmers tbody")).ToContainTextAsync(farmer.Address.ToString());
        await Assertions.Expect(page.Locator("#farmers tbody")).ToContainTextAsync("42");
        await Assertions.Expect(page.Locator("#farmers-online")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#hub-address")).ToHaveTextAsync(hub.Address);
        await Assertions.Expect(page.Locator("#servers tbody")).ToContainTextAsync("127.0.0.1:4567");
        await Assertions.Expect(page.Locator("#free-space")).ToHaveTextAsync("3.0 GiB");
        Assert.DoesNotContain(Convert.ToBase64String(url.Secret), await page.ContentAsync(), StringComparison.Ordinal);

        // A farmer registering later appears without a reload, once the page's next refresh comes.
        var second = await hub.RegisterAsync();
        hub.Time.Advance(TimeSpan.FromSeconds(3));
        await Assertions.Expect(page.Locator("#farmers tbody")).ToContainTextAsync(second.Address.ToString(), new LocatorAssertionsToContainTextOptions { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#farmers-online")).ToHaveTextAsync("2");
        Assert.True(browser.Problems.Count == 0, string.Join("\n", browser.Problems));
    }
}
