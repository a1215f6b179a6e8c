using Microsoft.Playwright;

namespace Granary.Hub.Tests;

/// <summary>
/// A page of the hub's dashboard in Debian's headless Chromium (/usr/bin/chromium), collecting every
/// script error, console error and failed request it reports: a page test asserts there were none.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Problems.Add(message.Text);
            }
        };
        page.PageError += (_, error) => Problems.Add(error);
        page.RequestFailed += (_, request) => Problems.Add($"{request.Url}: {request.Failure}");
    }

    public IPage Page { get; }

    public List<string> Problems { get; } = [];

    /// <summary>Opens <paramref name="url"/> in a new headless browser.</summary>
    public static async Task<DashboardBrowser> OpenAsync(Uri url)
    {
        Assert.True(File.Exists(ChromiumPath), $"The browser tests need Chromium at {ChromiumPath} (scripts/install-prerequisites.sh installs it).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
        var opened = new DashboardBrowser(playwright, browser, await browser.NewPageAsync());
        await opened.Page.GotoAsync(url.ToString());
        return opened;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
