using Granary.Client;
using Granary.Client.Nodes;
using Granary.Core.Caps;
using Granary.Core.Directories;
using Granary.Core.Mutable;
using Granary.Gateway.Ui;
using Microsoft.AspNetCore.Http;

namespace Granary.Gateway.Wapi;

/// <summary>
/// The web API below <c>/uri</c> (and its alias <c>/cap</c>), as Tahoe-LAFS 1.20's code serves it
/// (docs/gateway.md): a cap, then names that walk through directories, then the method and
/// <c>t=</c> decide. Creating requests (PUT, and POST but for delete, rename and check) create the
/// missing directories along the path, as Tahoe does.
/// </summary>
internal sealed partial class WapiHandler(GranaryClient client, GatewayOptions options, OperationStore operations, Pages pages, GatewayCounters counters, GatewayKeeper keeper)
{
    /// <summary>What a path named: a node (with the directory and entry that hold it), or a name not there yet in a directory.</summary>
    private sealed record Target(FilesystemNode? Node, DirectoryNode? Parent, string? Name, DirectoryChild? Entry, string Path)
    {
        public bool Exists => Node is not null;
    }

    public async Task HandleAsync(HttpContext context, IReadOnlyList<string> segments)
    {
        var form = await ReadFormAsync(context).ConfigureAwait(false);
        var args = new WapiArgs(context.Request, form);
        if (segments.Count == 1)
        {
            await RootAsync(context, args).ConfigureAwait(false);
            return;
        }

        var target = await ResolveAsync(context, args, segments).ConfigureAwait(false);
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            await GetAsync(context, args, target).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPut(method))
        {
            await PutAsync(context, args, target).ConfigureAwait(false);
        }
        else if (HttpMethods.IsDelete(method))
        {
            await DeleteAsync(context, target).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPost(method))
        {
            await PostAsync(context, args, target).ConfigureAwait(false);
        }
        else
        {
            throw new WapiException(405, $"{method} is not a web API method here");
        }
    }

    // Walks the names after the cap (see the class remarks for what gets created).
    private async Task<Target> ResolveAsync(HttpContext context, WapiArgs args, IReadOnlyList<string> segments)
    {
        var capText = segments[1];
        if (!Cap.TryParse(capText, out var cap, out _))
        {
            throw WapiException.BadRequest($"'{capText}' is not a valid file- or directory- cap");
        }

        var method = context.Request.Method;
        var t = args.T;
        var creating = (HttpMethods.IsPut(method) || HttpMethods.IsPost(method)) && t is not ("delete" or "rename" or "rename-form" or "check");
        var ct = context.RequestAborted;
        FilesystemNode node = client.Nodes.Create(cap!);
        DirectoryNode? parent = null;
        DirectoryChild? entry = null;
        var path = capText;
        for (var i = 2; i < segments.Count; i++)
        {
            var name = UnicodeNormalization.ToNfc(segments[i]);
            var last = i == segments.Count - 1;
            if (node is not DirectoryNode directory)
            {
                throw creating
                    ? new WapiException(409, $"Cannot create directory '{name}', because its parent is a file, not a directory")
                    : WapiException.BadRequest($"Files have no children named '{name}'");
            }

            var found = await directory.GetChildAsync(name, ct).ConfigureAwait(false);
            if (found is { } child)
            {
                if (!last && creating && child.Node is not DirectoryNode)
                {
                    throw new WapiException(409, $"Unable to create directory '{name}': a file was in the way");
                }

                (parent, entry, node) = (directory, child.Entry, child.Node);
            }
            else if (!last && creating)
            {
                var created = await directory.CreateSubdirectoryAsync(name, MutableFormat.Sdmf, ct).ConfigureAwait(false);
                keeper.Keep(created.Cap);
                (parent, entry, node) = (directory, null, created);
            }
            else if (last && creating && (t is "mkdir" or "mkdir-with-children" or "mkdir-immutable"))
            {
                var made = await MakeDirectoryAsync(context, args, t).ConfigureAwait(false);
                await LinkAsync(directory, name, made.Cap, Replace.Never, ct).ConfigureAwait(false);
                return new Target(made, directory, name, null, path + "/" + name);
            }
            else if (last && HttpMethods.IsPut(method))
            {
                // A name to PUT to: PutAsync stores a file or links a cap there, or refuses the t=.
                return new Target(null, directory, name, null, path + "/" + name);
            }
            else
            {
                throw WapiException.NoSuchChild(name);
            }

            path += "/" + name;
        }

        return new Target(node, parent, parent is null ? null : segments[^1], entry, path);
    }

    /// <summary>A new directory for t=mkdir (empty), t=mkdir-with-children or t=mkdir-immutable (children from the JSON body).</summary>
    private async Task<DirectoryNode> MakeDirectoryAsync(HttpContext context, WapiArgs args, string t)
    {
        var ct = context.RequestAborted;
        if (args.AsksForChk && t == "mkdir")
        {
            throw WapiException.BadRequest("format=CHK not currently accepted for POST /uri?t=mkdir");
        }

        var children = t == "mkdir" ? [] : await ChildrenFromBodyAsync(context, args).ConfigureAwait(false);
        if (t == "mkdir-immutable")
        {
            foreach (var child in children)
            {
                if (child.WriteCap is not null || child.Cap is MutableReadCap or DirectoryCap { IsMutable: true })
                {
                    throw WapiException.BadRequest($"MustBeDeepImmutableError: a cap passed to this operation for the child named '{child.Name}', needed to be immutable but was not.");
                }
            }

            return Kept(await client.Nodes.CreateImmutableDirectoryAsync(children, ct).ConfigureAwait(false));
        }

        return Kept(await client.Nodes.CreateDirectoryAsync(args.Format(MutableFormat.Sdmf) ?? MutableFormat.Sdmf, children, ct).ConfigureAwait(false));

        DirectoryNode Kept(DirectoryNode made)
        {
            keeper.Keep(made.Cap);
            return made;
        }
    }

    /// <summary>
    /// Children as <c>t=mkdir-with-children</c> and <c>t=set_children</c> take them,
    /// <c>{name: [type, {rw_uri, ro_uri, metadata}]}</c>: from a form's <c>children</c> field, else
    /// the body itself (whatever its Content-Type says: curl calls JSON a form).
    /// </summary>
    private static async Task<List<DirectoryChild>> ChildrenFromBodyAsync(HttpContext context, WapiArgs args)
    {
        if (context.Request.Body.CanSeek)
        {
            context.Request.Body.Position = 0;
        }

        var body = args.Form?["children"] is { Count: > 0 } field ? field.ToString() : await ReadBodyTextAsync(context, 16 << 20).ConfigureAwait(false);
        if (body.Trim().Length == 0)
        {
            return [];
        }

        System.Text.Json.Nodes.JsonNode? json;
        try
        {
            json = System.Text.Json.Nodes.JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw WapiException.BadRequest($"the children are not valid JSON: {e.Message}");
        }

        if (json is not System.Text.Json.Nodes.JsonObject map)
        {
            throw WapiException.BadRequest("the children must be a JSON object {name: [type, {rw_uri, ro_uri, metadata}]}");
        }

        var children = new List<DirectoryChild>();
        foreach (var (name, value) in map)
        {
            if (value is not System.Text.Json.Nodes.JsonArray { Count: 2 } pair || pair[1] is not System.Text.Json.Nodes.JsonObject details)
            {
                throw WapiException.BadRequest($"child '{name}' must be [type, {{rw_uri, ro_uri, metadata}}]");
            }

            var writeCap = details["rw_uri"]?.GetValue<string>();
            var readCap = details["ro_uri"]?.GetValue<string>();
            MetadataObject? metadata = null;
            if (details["metadata"] is System.Text.Json.Nodes.JsonObject given)
            {
                try
                {
                    metadata = MetadataJson.Parse(given.ToJsonString());
                }
                catch (FormatException e)
                {
                    throw WapiException.BadRequest($"child '{name}' has metadata that cannot be stored: {e.Message}");
                }
            }

            try
            {
                children.Add(DirectoryChild.FromGivenCaps(name, writeCap, readCap, metadata));
            }
            catch (ArgumentException e)
            {
                throw WapiException.BadRequest(e.Message);
            }
        }

        return children;
    }

    /// <summary>Links <paramref name="cap"/> as <paramref name="name"/>, refusing what <paramref name="replace"/> forbids.</summary>
    private static async Task LinkAsync(DirectoryNode directory, string name, Cap cap, Replace replace, CancellationToken cancellationToken)
    {
        if (replace != Replace.Always)
        {
            var existing = await directory.GetChildAsync(name, cancellationToken).ConfigureAwait(false);
            if (existing is not null && (replace == Replace.Never || existing.Value.Node is DirectoryNode))
            {
                throw WapiException.ExistingChild();
            }
        }

        await directory.SetChildAsync(name, cap, null, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.HasFormContentType)
        {
            return null;
        }

        return await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<string> ReadBodyTextAsync(HttpContext context, int limit)
    {
        using var reader = new StreamReader(context.Request.Body, System.Text.Encoding.UTF8);
        var buffer = new char[limit + 1];
        var read = await reader.ReadBlockAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return read > limit ? throw new WapiException(413, $"this request body may be at most {limit} bytes") : new string(buffer, 0, read);
    }

    private static Task TextAsync(HttpContext context, int status, string text, string contentType = "text/plain; charset=utf-8")
    {
        var body = System.Text.Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>After a form's operation, <c>when_done=URL</c> sends the browser there.</summary>
    private static bool RedirectWhenDone(HttpContext context, WapiArgs args, string? cap = null)
    {
        if (args.Get("when_done") is not { Length: > 0 } url || !IsLocalRedirect(url))
        {
            return false;
        }

        context.Response.Redirect(cap is null ? url : url.Replace("%(uri)s", Uri.EscapeDataString(cap), StringComparison.Ordinal));
        return true;
    }

    // Only to the gateway itself: a form cannot be used to send a browser elsewhere.
    private static bool IsLocalRedirect(string url) => url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal);
}
