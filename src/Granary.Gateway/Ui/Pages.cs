using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Granary.Client.Maintenance;
using Granary.Client.Nodes;
using Granary.Core.Caps;
using Granary.Core.Directories;
using Granary.Core.Formats;
using Granary.Gateway.Wapi;
using Microsoft.AspNetCore.Http;

namespace Granary.Gateway.Ui;

/// <summary>
/// The web UI: plain HTML pages with forms that post to the web API itself (with <c>when_done=</c>
/// to come back), usable without JavaScript, as Tahoe's WUI. Only what a cap in the URL opens is
/// shown; the welcome page lists servers and hubs, never files.
/// </summary>
internal sealed class Pages(GatewaySecurity security)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private Html Page() => new(security.FormToken);

    /// <summary>The path of a node as a URL: <c>/uri/CAP/a/b</c>, every segment escaped.</summary>
    public static string UrlOf(string path) => "/uri/" + string.Join("/", path.Split('/').Select(Html.Segment));

    public async Task WelcomeAsync(HttpContext context, GridStatus status, GatewayGrid grid)
    {
        var servers = await status.ServersAsync(context.RequestAborted).ConfigureAwait(false);
        var page = Page();
        var connected = servers.Count(s => s.Connected);
        page.Element("h1", "Welcome to your Granary gateway");
        page.Raw($"<p>Connected to <b>{connected}</b> of {servers.Count} known storage servers. Files and directories are opened by their caps: nothing here lists what is stored.</p>");
        page.Raw("<div class=\"box\"><h2>Open a file or directory</h2><form method=\"get\" action=\"/uri\">")
            .Raw(Html.Input("uri", "Cap:"))
            .Raw("<button type=\"submit\">Open</button></form></div>");
        page.Raw("<div class=\"box\"><h2>Make a new directory</h2>")
            .Form("/uri", [("t", "mkdir"), ("redirect_to_result", "true")], "<label>Format <select name=\"format\"><option>SDMF</option><option>MDMF</option></select></label> ", "Create directory")
            .Raw("<small>Keep the cap of the page it opens: it is the only way back.</small></div>");
        page.Raw("<div class=\"box\"><h2>Upload a file (not linked into any directory)</h2>")
            .Form("/uri", [("t", "upload")], "<input type=\"file\" name=\"file\" required> " + FormatChoice(), "Upload", multipart: true)
            .Raw("</div>");

        page.Element("h2", "Storage servers");
        page.Raw("<table><tr><th>Node</th><th>Address</th><th>Status</th><th>Free space</th><th>Version</th></tr>");
        foreach (var server in servers)
        {
            page.Raw("<tr><td class=\"cap\">").Text(server.NodeId).Raw("</td><td>").Text(server.Address).Raw("</td>")
                .Raw($"<td class=\"{(server.Connected ? "ok" : "bad")}\">").Text(server.Status).Raw("</td><td>")
                .Text(server.AvailableSpace is long free ? ByteSize.Format(free) : "-").Raw("</td><td>").Text(server.Version ?? "-").Raw("</td></tr>");
        }

        page.Raw("</table>");
        page.Element("h2", "Hubs");
        var hubs = status.HubStatuses();
        page.Raw(hubs.Count == 0 ? "<p>No hub: the servers come from the client's own list or the DHT.</p>" : "<ul>");
        foreach (var hub in hubs)
        {
            page.Raw("<li>").Text(hub).Raw("</li>");
        }

        page.Raw(hubs.Count == 0 ? "" : "</ul>");
        if (grid.RefreshError is { } error)
        {
            page.Raw("<p class=\"bad\">The last attempt to find the grid again failed: ").Text(error).Raw("</p>");
        }

        page.Raw("<p><small>").Link("/?t=json", "This page as JSON").Text(" · ").Link("/statistics", "Statistics").Raw("</small></p>");
        await page.SendAsync(context, "Welcome").ConfigureAwait(false);
    }

    public async Task DirectoryAsync(HttpContext context, DirectoryNode directory, string path, DirectoryContents contents)
    {
        var url = UrlOf(path) + "/";
        var cap = directory.DirectoryCap;
        var writable = cap.IsWritable;
        var page = Page();
        var names = path.Split('/');
        page.Raw("<h1>");
        for (var i = 0; i < names.Length; i++)
        {
            var label = i == 0 ? (writable ? "Directory" : "Read-only directory") : names[i];
            page.Raw(i == 0 ? "" : " / ").Link(UrlOf(string.Join("/", names[..(i + 1)])) + "/", label);
        }

        page.Raw("</h1>");
        page.Raw("<p>").Link(url + "?t=info", "More info").Text(" · ").Link(url + "?t=json", "JSON");
        if (writable && cap.ReadOnlyCap is { } readOnly)
        {
            page.Text(" · ").Link(UrlOf(readOnly.ToString()) + "/", "Read-only version of this directory");
        }

        page.Raw("</p>");
        page.Raw("<table><tr><th>Name</th><th>Type</th><th>Size</th><th>Modified</th>").Raw(writable ? "<th>Actions</th>" : "").Raw("</tr>");
        foreach (var child in contents.Children.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var childCap = child.Cap;
            var isDirectory = childCap is DirectoryCap;
            var href = url + Html.Segment(child.Name) + (isDirectory ? "/" : "");
            page.Raw("<tr><td>").Link(href, child.Name + (isDirectory ? "/" : ""));
            if (!isDirectory && childCap is not null)
            {
                page.Raw(" <small>").Link(url + Html.Segment(child.Name) + "?t=info", "info").Raw("</small>");
            }

            page.Raw("</td><td>").Text(KindOf(childCap)).Raw("</td><td>").Text(SizeOf(childCap)).Raw("</td><td>")
                .Text(DirectoryMetadata.LinkModified(child.Metadata) is double seconds
                    ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
                    : "-")
                .Raw("</td>");
            if (writable)
            {
                page.Raw("<td>")
                    .Form(url, [("t", "rename"), ("from_name", child.Name), ("when_done", url)], Html.Input("to_name", "", value: child.Name), "Rename")
                    .Text(" ")
                    .Form(url, [("t", "delete"), ("name", child.Name), ("when_done", url)], "", "Delete")
                    .Raw("</td>");
            }

            page.Raw("</tr>");
        }

        page.Raw("</table>");
        if (contents.Count == 0)
        {
            page.Raw("<p><small>This directory is empty.</small></p>");
        }

        if (writable)
        {
            page.Raw("<section class=\"box\"><h2>Add to this directory</h2>")
                .Form(url, [("t", "upload"), ("when_done", url)], "<input type=\"file\" name=\"file\" required> " + FormatChoice(), "Upload", multipart: true)
                .Form(url, [("t", "mkdir"), ("when_done", url)], Html.Input("name", "New directory:"), "Create")
                .Form(url, [("t", "uri"), ("when_done", url)], Html.Input("name", "Link a cap as:") + Html.Input("uri", "cap:"), "Link")
                .Raw("</section>");
        }

        page.Raw("<section class=\"box\"><h2>Check</h2>");
        CheckForm(page, url);
        page.Form(url, [("t", "start-deep-check"), ("ophandle", NewHandle()), ("output", "html")], Checkbox("verify", "verify every byte") + Checkbox("repair", "repair"), "Check everything below")
            .Form(url, [("t", "start-manifest"), ("ophandle", NewHandle()), ("output", "html")], "", "Manifest")
            .Form(url, [("t", "start-deep-stats"), ("ophandle", NewHandle()), ("output", "html")], "", "Deep stats")
            .Raw("</section>");
        await page.SendAsync(context, names.Length > 1 ? names[^1] : "Directory").ConfigureAwait(false);
    }

    public async Task InfoAsync(HttpContext context, FilesystemNode node, string path)
    {
        var page = Page();
        var cap = node.Cap;
        var name = path.Split('/') is { Length: > 1 } parts ? parts[^1] : null;
        page.Element("h1", name is null ? $"{KindOf(cap)}" : $"{name} ({KindOf(cap)})");
        page.Raw("<table>");
        Row(page, "Cap", cap.ToString(), code: true);
        if (NodeJson.ReadOnlyOf(cap) is { } readOnly && !readOnly.Equals(cap))
        {
            Row(page, "Read-only cap", readOnly.ToString(), code: true);
        }

        if (NodeJson.VerifyOf(cap) is { } verify)
        {
            Row(page, "Verify cap", verify.ToString(), code: true);
        }

        if (cap.TryGetStorageIndex(out var index))
        {
            Row(page, "Storage index", index.ToString(), code: true);
        }

        Row(page, "Format", node is DirectoryNode ? "directory" : NodeJson.FormatOf(cap));
        if (SizeOf(cap) is var size && size != "-")
        {
            Row(page, "Size", size);
        }

        page.Raw("</table><p>");
        if (node is IFileNode)
        {
            page.Link(UrlOf(path), "Download").Text(" · ");
        }
        else if (node is DirectoryNode)
        {
            page.Link(UrlOf(path) + "/", "Open").Text(" · ");
        }

        page.Link(UrlOf(path) + "?t=json", "JSON").Raw("</p>");
        if (node is not VerifierNode || cap.TryGetStorageIndex(out _))
        {
            page.Raw("<section class=\"box\"><h2>Check</h2>");
            CheckForm(page, UrlOf(path));
            page.Raw("</section>");
        }

        await page.SendAsync(context, name ?? "Info").ConfigureAwait(false);
    }

    public async Task UploadedAsync(HttpContext context, Cap cap, string fileName)
    {
        var page = Page();
        page.Element("h1", $"Uploaded {fileName}");
        page.Raw("<p>Its cap (keep it: whoever has it can read the file):</p><p class=\"cap\">").Text(cap.ToString()).Raw("</p><p>")
            .Link(UrlOf(cap.ToString()) + "?filename=" + Html.Segment(fileName), "Open the file").Text(" · ")
            .Link(UrlOf(cap.ToString()) + "?t=info", "More info").Raw("</p>");
        await page.SendAsync(context, "Uploaded").ConfigureAwait(false);
    }

    public async Task CheckAsync(HttpContext context, FilesystemNode node, CheckReport report, RepairResult? repair)
    {
        var page = Page();
        var after = repair?.After ?? report;
        page.Element("h1", "Check results");
        page.Raw($"<p class=\"{(after.Healthy ? "ok" : "bad")}\">").Text(after.IsLiteral ? "Healthy (a literal file: its bytes are in the cap)" : after.Summary).Raw("</p>");
        if (repair is not null)
        {
            page.Raw("<p>").Text(after.Healthy ? "Repaired." : "Repair did not make it healthy.").Raw("</p>");
        }

        if (!after.IsLiteral)
        {
            page.Raw("<table>");
            Row(page, "Storage index", after.StorageIndex, code: true);
            Row(page, "Good shares", $"{after.GoodShares} (encoding is {after.K}-of-{after.N})");
            Row(page, "Happiness", $"{after.Happiness} (wanted {after.Happy})");
            Row(page, "Recoverable", after.Recoverable ? "yes" : "no");
            foreach (var holding in after.Holdings.Where(h => !h.Intact))
            {
                Row(page, $"Share {holding.Share} on {holding.Server.ToString()[..8]}", $"{holding.State}{(holding.Reason is { } reason ? ": " + reason : "")}");
            }

            page.Raw("</table>");
        }

        page.Raw("<p>").Link(UrlOf(node.Cap.ToString()) + (node is DirectoryNode ? "/" : "?t=info"), "Back").Raw("</p>");
        await page.SendAsync(context, "Check results").ConfigureAwait(false);
    }

    /// <summary>A long operation's page: its results so far, reloading itself every few seconds until it has finished.</summary>
    public async Task OperationAsync(HttpContext context, string handle, string kind, JsonNode status, bool finished)
    {
        var page = Page();
        var title = kind switch
        {
            "start-deep-check" => "Deep check",
            "start-manifest" => "Manifest",
            "start-deep-size" => "Deep size",
            _ => "Deep stats",
        };
        page.Element("h1", $"{title}: {(finished ? "finished" : "running")}");
        if (status is JsonObject json)
        {
            page.Raw("<table>");
            foreach (var (key, value) in json.Where(p => p.Value is JsonValue))
            {
                Row(page, key, value!.ToJsonString());
            }

            page.Raw("</table>");
        }

        page.Raw("<h2>Everything</h2><pre class=\"cap\">").Text(status.ToJsonString(Indented)).Raw("</pre>");
        if (!finished)
        {
            page.Form($"/operations/{Html.Segment(handle)}", [("t", "cancel")], "", "Cancel");
        }

        await page.SendAsync(context, title, refresh: finished ? null : TimeSpan.FromSeconds(2)).ConfigureAwait(false);
    }

    private static void CheckForm(Html page, string url) =>
        page.Form(url, [("t", "check")], Checkbox("verify", "verify every byte") + Checkbox("repair", "repair if unhealthy"), "Check");

    private static string Checkbox(string name, string label) => $"<label><input type=\"checkbox\" name=\"{name}\" value=\"true\"> {Html.Encode(label)}</label> ";

    private static string FormatChoice() =>
        "<label>as <select name=\"format\"><option value=\"CHK\">immutable</option><option value=\"SDMF\">mutable (SDMF)</option><option value=\"MDMF\">mutable (MDMF)</option></select></label> ";

    private static string NewHandle() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();

    private static void Row(Html page, string name, string value, bool code = false) =>
        page.Raw("<tr><th>").Text(name).Raw(code ? "</th><td class=\"cap\">" : "</th><td>").Text(value).Raw("</td></tr>");

    private static string KindOf(Cap? cap) => cap switch
    {
        DirectoryCap { IsMutable: false } => "immutable directory",
        DirectoryCap => "directory",
        MutableWriteCap or MutableReadCap => $"mutable file ({NodeJson.FormatOf(cap)})",
        ChkReadCap => "file",
        LiteralCap => "file (literal)",
        ChkVerifyCap or MutableVerifyCap => "verify cap",
        null => "unknown",
        _ => "unknown",
    };

    private static string SizeOf(Cap? cap) => cap switch
    {
        ChkReadCap chk => ByteSize.Format(chk.Size),
        LiteralCap literal => ByteSize.Format(literal.Data.Length),
        _ => "-",
    };
}
