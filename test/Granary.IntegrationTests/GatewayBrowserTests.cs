using Microsoft.Playwright;

namespace Granary.IntegrationTests;

/// <summary>The web UI as a person uses it, in headless Chromium (Debian's, at /usr/bin/chromium): plain forms, no script.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayBrowserTests(GatewayFixture shared)
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Fact]
    public async Task A_person_uploads_makes_a_directory_renames_deletes_and_follows_a_read_only_link()
    {
        Assert.True(File.Exists(ChromiumPath), $"The browser tests need Chromium at {ChromiumPath} (scripts/install-prerequisites.sh installs it).");
        var gateway = shared.Gateway;
        var root = await gateway.MkdirAsync();
        var upload = shared.Grid.File("holiday notes.txt");
        await File.WriteAllTextAsync(upload, "sunny, mostly\n" + new string('x', 5000));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { JavaScriptEnabled = false });
        var problems = new List<string>();
        page.Console += (_, message) => problems.Add(message.Text); // a CSP violation would be reported here
        page.RequestFailed += (_, request) => problems.Add($"{request.Url}: {request.Failure}");

        await page.GotoAsync(new Uri(gateway.BaseAddress, "").ToString());
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Welcome to your Granary gateway");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("Connected to 127.0.0.1:");

        // Open the directory by its cap, as a person pasting it would.
        await page.Locator("form[method=get] input[name=uri]").FillAsync(root);
        await page.Locator("form[method=get] button").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Directory");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("This directory is empty.");

        await page.Locator("form:has(input[value=upload]) input[type=file]").SetInputFilesAsync(upload);
        await page.Locator("form:has(input[value=upload]) button").ClickAsync();
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("holiday notes.txt");

        await page.Locator("form:has(input[value=mkdir]) input[name=name]").FillAsync("photos");
        await page.Locator("form:has(input[value=mkdir]) button").ClickAsync();
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("photos/");

        var fileRow = page.Locator("tr", new PageLocatorOptions { HasText = "holiday notes.txt" });
        await fileRow.Locator("input[name=to_name]").FillAsync("notes.txt");
        await fileRow.Locator("button", new LocatorLocatorOptions { HasText = "Rename" }).ClickAsync();
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("notes.txt");
        await Assertions.Expect(page.Locator("table")).Not.ToContainTextAsync("holiday");

        var directoryRow = page.Locator("tr", new PageLocatorOptions { HasText = "photos/" });
        await directoryRow.Locator("button", new LocatorLocatorOptions { HasText = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("table")).Not.ToContainTextAsync("photos/");

        await page.GetByText("Read-only version of this directory").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Read-only directory");
        await Assertions.Expect(page.Locator("form:has(input[value=upload])")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("button", new PageLocatorOptions { HasText = "Delete" })).ToHaveCountAsync(0);
        var download = await page.Locator("a", new PageLocatorOptions { HasText = "notes.txt" }).GetAttributeAsync("href");
        var response = await page.GotoAsync(new Uri(gateway.BaseAddress, download!).ToString());
        Assert.StartsWith("sunny, mostly", await response!.TextAsync(), StringComparison.Ordinal);

        // The listing by the API agrees with what the pages did.
        var children = (await gateway.GetAsync(GatewayClient.Path(root) + "?t=json")).Json[1]!["children"]!.AsObject();
        Assert.Equal(["notes.txt"], children.Select(c => c.Key));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
