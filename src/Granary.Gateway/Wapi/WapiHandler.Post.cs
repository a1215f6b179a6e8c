using Granary.Client.Nodes;
using Granary.Client.Paths;
using Granary.Core.Caps;
using Granary.Core.Directories;
using Microsoft.AspNetCore.Http;

namespace Granary.Gateway.Wapi;

internal sealed partial class WapiHandler
{
    private async Task PostAsync(HttpContext context, WapiArgs args, Target target)
    {
        var t = args.T;
        var ct = context.RequestAborted;
        var node = target.Node!;
        if (t == "check")
        {
            await CheckAsync(context, args, node).ConfigureAwait(false);
            return;
        }

        if (node is not DirectoryNode directory)
        {
            if (t == "upload" && node is MutableFileNode mutable)
            {
                var file = args.Form?.Files.GetFile("file") ?? throw WapiException.BadRequest("t=upload needs a 'file' field (a multipart form)");
                using var input = file.OpenReadStream();
                await mutable.OverwriteAsync(input, file.Length, null, ct).ConfigureAwait(false);
                await DoneAsync(context, args, mutable.Cap.ToString()).ConfigureAwait(false);
                return;
            }

            throw WapiException.BadRequest($"POST to file: bad t={t}");
        }

        switch (t)
        {
            case "mkdir" or "mkdir-with-children" or "mkdir-immutable":
            {
                if (args.Get("name") is not { Length: > 0 } name)
                {
                    await DoneAsync(context, args, directory.DirectoryCap.ToString()).ConfigureAwait(false);
                    return;
                }

                var replace = t == "mkdir" ? args.ReplaceArg(allowOnlyFiles: false) : Replace.Never;
                var made = await MakeDirectoryAsync(context, args, t).ConfigureAwait(false);
                await LinkAsync(directory, RequireName(name), made.Cap, replace, ct).ConfigureAwait(false);
                await DoneAsync(context, args, made.DirectoryCap.ToString()).ConfigureAwait(false);
                return;
            }

            case "upload":
            {
                var file = args.Form?.Files.GetFile("file") ?? throw WapiException.BadRequest("t=upload needs a 'file' field (a multipart form)");
                var name = args.Get("name") is { Length: > 0 } given ? given : file.FileName;
                if (string.IsNullOrWhiteSpace(name))
                {
                    throw WapiException.BadRequest("upload requires a name");
                }

                RequireName(name);
                var replace = args.ReplaceArg(allowOnlyFiles: false);
                var existing = await directory.GetChildAsync(name, ct).ConfigureAwait(false);
                using var input = file.OpenReadStream();
                if (existing is { Node: MutableFileNode { IsReadOnly: false } overwritten })
                {
                    if (replace == Replace.Never)
                    {
                        throw WapiException.ExistingChild();
                    }

                    await overwritten.OverwriteAsync(input, file.Length, null, ct).ConfigureAwait(false);
                    await DoneAsync(context, args, overwritten.Cap.ToString()).ConfigureAwait(false);
                    return;
                }

                var cap = await UploadAsync(context, args, input, file.Length).ConfigureAwait(false);
                await LinkAsync(directory, name, cap, replace, ct).ConfigureAwait(false);
                await DoneAsync(context, args, cap.ToString()).ConfigureAwait(false);
                return;
            }

            case "uri":
            {
                var name = RequireName(args.Get("name") ?? throw WapiException.BadRequest("set-uri requires a name"));
                var text = args.Get("uri") ?? throw WapiException.BadRequest("set-uri requires a uri");
                if (!Cap.TryParse(text.Trim(), out var cap, out var error))
                {
                    throw WapiException.BadRequest($"MustNotBeUnknownRWError: an operation to add a child named '{name}' to a directory was given an unknown cap in a write slot ({error})");
                }

                await LinkAsync(directory, name, cap!, args.ReplaceArg(), ct).ConfigureAwait(false);
                await DoneAsync(context, args, cap!.ToString()).ConfigureAwait(false);
                return;
            }

            case "delete" or "unlink":
            {
                var name = args.Get("name") ?? "";
                if (!await directory.RemoveChildAsync(name, ct).ConfigureAwait(false))
                {
                    throw WapiException.NoSuchChild(name);
                }

                await DoneAsync(context, args, "thing unlinked").ConfigureAwait(false);
                return;
            }

            case "rename" or "relink":
            {
                if (t == "rename" && args.Has("to_dir"))
                {
                    throw WapiException.BadRequest("to_dir= is not valid for rename");
                }

                var from = RequireName(args.Get("from_name") ?? throw WapiException.BadRequest(t == "rename" ? "from_name= is required for rename" : "from_name= is required"));
                var to = RequireName(args.Get("to_name") ?? (t == "rename" ? throw WapiException.BadRequest("to_name= is required for rename") : from));
                var destination = directory;
                if (args.Get("to_dir") is { Length: > 0 } toDir)
                {
                    GridPath path;
                    try
                    {
                        path = GridPath.Parse(toDir.StartsWith("URI:", StringComparison.Ordinal) ? toDir : directory.DirectoryCap + "/" + toDir, new AliasTable(""));
                    }
                    catch (FormatException e)
                    {
                        throw WapiException.BadRequest($"to_dir is not a directory: {e.Message}");
                    }

                    destination = await client.Nodes.ResolveAsync(path, ct).ConfigureAwait(false) as DirectoryNode
                        ?? throw WapiException.BadRequest("to_dir is not a directory");
                }

                var child = await directory.GetChildAsync(from, ct).ConfigureAwait(false) ?? throw WapiException.NoSuchChild(from);
                if (destination.DirectoryCap.Equals(directory.DirectoryCap) && from == UnicodeNormalization.ToNfc(to))
                {
                    await DoneAsync(context, args, "thing moved").ConfigureAwait(false);
                    return;
                }

                var replace = args.ReplaceArg();
                await LinkAsync(destination, to, child.Node.Cap, replace, ct).ConfigureAwait(false);
                await directory.RemoveChildAsync(from, ct).ConfigureAwait(false);
                await DoneAsync(context, args, "thing moved").ConfigureAwait(false);
                return;
            }

            case "set_children" or "set-children":
            {
                var children = await ChildrenFromBodyAsync(context, args).ConfigureAwait(false);
                var replace = args.ReplaceArg();
                if (replace != Replace.Always)
                {
                    var existing = await directory.ListAsync(ct).ConfigureAwait(false);
                    foreach (var child in children)
                    {
                        if (existing.TryGetChild(child.Name, out var old) && (replace == Replace.Never || old!.Cap is DirectoryCap))
                        {
                            throw WapiException.ExistingChild();
                        }
                    }
                }

                await directory.SetChildrenAsync([.. children.Where(c => c.Cap is not null).Select(c => (c.Name, c.Cap!, MetadataOrNull(c)))], overwrite: true, ct).ConfigureAwait(false);
                await DoneAsync(context, args, "Okay so I did it.").ConfigureAwait(false);
                return;
            }

            case "stream-manifest" or "stream-deep-check":
                await StreamDeepAsync(context, args, directory, check: t == "stream-deep-check").ConfigureAwait(false);
                return;

            case "start-manifest" or "start-deep-check" or "start-deep-size" or "start-deep-stats":
                StartOperation(context, args, directory, t);
                return;

            default:
                throw WapiException.BadRequest($"POST to a directory with bad t={t}");
        }
    }

    private async Task CheckAsync(HttpContext context, WapiArgs args, FilesystemNode node)
    {
        var ct = context.RequestAborted;
        var report = await node.CheckAsync(args.Bool("verify"), null, ct).ConfigureAwait(false);
        if (args.Bool("add-lease"))
        {
            await client.RenewLeasesAsync(report, ct).ConfigureAwait(false);
        }

        var repair = args.Bool("repair");
        var repaired = repair ? await RepairIfNeededAsync(node, report, ct).ConfigureAwait(false) : null;
        if (args.WantsJson)
        {
            await TextAsync(context, 200, NodeJson.Text(repair ? CheckJson.CheckAndRepair(report, repaired) : CheckJson.Check(report))).ConfigureAwait(false);
            return;
        }

        if (!RedirectWhenDone(context, args))
        {
            await pages.CheckAsync(context, node, report, repaired).ConfigureAwait(false);
        }
    }

    private static MetadataObject? MetadataOrNull(DirectoryChild child) => child.Metadata.Count == 0 ? null : child.Metadata;

    private static string RequireName(string name) =>
        name.Contains('/', StringComparison.Ordinal) ? throw WapiException.BadRequest("name= may not contain a slash") : name;

    /// <summary>A form's redirect (<c>when_done=</c>) or the plain text answer.</summary>
    private static async Task DoneAsync(HttpContext context, WapiArgs args, string text)
    {
        if (!RedirectWhenDone(context, args, text.StartsWith("URI:", StringComparison.Ordinal) ? text : null))
        {
            await TextAsync(context, 200, text).ConfigureAwait(false);
        }
    }
}
