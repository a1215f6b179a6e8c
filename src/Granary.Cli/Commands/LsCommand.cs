using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Granary.Client.Nodes;
using Granary.Core.Caps;
using Granary.Core.Directories;

namespace Granary.Cli.Commands;

/// <summary><c>granary ls [-l] [--json] [alias:path|CAP]</c>: a directory's children, as Tahoe lists them.</summary>
internal static class LsCommand
{
    public static Command Create()
    {
        var path = new Argument<string?>("PATH") { Description = "A directory or file (alias:path or a cap); default the 'tahoe' alias.", Arity = ArgumentArity.ZeroOrOne };
        var longFormat = new Option<bool>("-l") { Description = "One line per child: kind, size (files whose cap states it), modification time, name." };
        var json = new Option<bool>("--json") { Description = "Print the node as Tahoe's ?t=json does: [\"dirnode\", {…, \"children\": {name: [kind, {…}]}}]." };
        var showCaps = new Option<bool>("--uri") { Description = "Show each child's cap." };
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("ls", "List a directory's children (or show a file).") { path, longFormat, json, showCaps, clientDir };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var directory = ClientOptions.OpenDirectory(context, clientDir);
            var target = ClientOptions.ParsePath(context.Parse.GetValue(path) ?? "tahoe:", directory);
            var client = target.Root is LiteralCap ? ClientOptions.Offline(context, clientDir) : await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            var node = await client.Nodes.ResolveAsync(target, cancellationToken);
            if (node is not DirectoryNode dir)
            {
                await context.Output.WriteLineAsync(context.Parse.GetValue(json) ? Describe(node.Cap, null).ToJsonString() : target.Name ?? node.Cap.ToString());
                return GranaryCli.Success;
            }

            var contents = await dir.ListAsync(cancellationToken);
            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(Describe(dir.DirectoryCap, contents).ToJsonString());
                return GranaryCli.Success;
            }

            foreach (var child in contents.Children)
            {
                var line = child.Name;
                if (context.Parse.GetValue(longFormat))
                {
                    var (kind, size) = KindAndSize(child.Cap);
                    var modified = DirectoryMetadata.LinkModified(child.Metadata) is double seconds
                        ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
                        : "-";
                    line = $"{(kind == "dirnode" ? "d" : "-")}{(child.WriteCap is null ? "r-" : "rw")} {size?.ToString(CultureInfo.InvariantCulture) ?? "?",12} {modified,16} {child.Name}";
                }

                if (context.Parse.GetValue(showCaps))
                {
                    line += " " + (child.WriteCap ?? child.ReadCap);
                }

                await context.Output.WriteLineAsync(line);
            }

            return GranaryCli.Success;
        });
        return command;
    }

    /// <summary>Tahoe's JSON for a node: <c>[kind, {ro_uri, rw_uri?, verify_uri?, mutable, size?, children?}]</c>.</summary>
    public static JsonArray Describe(Cap cap, DirectoryContents? contents)
    {
        var (kind, size) = KindAndSize(cap);
        var details = new JsonObject();
        if (cap is DirectoryCap { IsWritable: true } or MutableWriteCap)
        {
            details["rw_uri"] = cap.ToString();
        }

        details["ro_uri"] = ReadOnly(cap)?.ToString();
        details["mutable"] = cap is DirectoryCap { IsMutable: true } or MutableWriteCap or MutableReadCap;
        if (size is long s)
        {
            details["size"] = s;
        }

        if (contents is not null)
        {
            var children = new JsonObject();
            foreach (var child in contents.Children)
            {
                var entry = child.Cap is { } childCap ? Describe(childCap, null) : new JsonArray("unknown", new JsonObject());
                var entryDetails = (JsonObject)entry[1]!;
                if (child.WriteCap is null)
                {
                    entryDetails.Remove("rw_uri");
                }

                entryDetails["metadata"] = JsonNode.Parse(MetadataJson.Serialize(child.Metadata));
                children[child.Name] = entry;
            }

            details["children"] = children;
        }

        return new JsonArray(kind, details);
    }

    private static Cap? ReadOnly(Cap cap) => cap switch
    {
        DirectoryCap directory => directory.ReadOnlyCap,
        MutableWriteCap write => write.ReadCap,
        _ => cap,
    };

    private static (string Kind, long? Size) KindAndSize(Cap? cap) => cap switch
    {
        DirectoryCap => ("dirnode", null),
        ChkReadCap chk => ("filenode", chk.Size),
        LiteralCap literal => ("filenode", literal.Data.Length),
        MutableWriteCap or MutableReadCap => ("filenode", null),
        _ => ("unknown", null),
    };
}
