using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Granary.Client.Nodes;
using Granary.Core.Caps;
using Granary.Core.Directories;
using Granary.Core.Mutable;

namespace Granary.Gateway.Wapi;

/// <summary>
/// Nodes as Tahoe's <c>?t=json</c> describes them: <c>["filenode", {…}]</c>, <c>["dirnode", {…,
/// "children": {…}}]</c> or <c>["unknown", {…}]</c>, keys as Tahoe 1.20's code writes them (docs/gateway.md).
/// Every child carries its metadata (Tahoe's CLI reads it without a default), and the text is ASCII.
/// </summary>
public static class NodeJson
{
    private static readonly JsonSerializerOptions Ascii = new() { Encoder = JavaScriptEncoder.Default };

    /// <summary>A node reached directly (or by path, with the entry that linked it).</summary>
    public static JsonArray Describe(FilesystemNode node, DirectoryChild? entry, DirectoryContents? contents, long? size)
    {
        if (node is DirectoryNode directory)
        {
            var details = CapFields(directory.DirectoryCap, writable: directory.DirectoryCap.IsWritable);
            details["mutable"] = directory.IsMutable;
            if (entry is not null)
            {
                details["metadata"] = Metadata(entry.Metadata);
            }

            if (contents is not null)
            {
                var children = new JsonObject();
                foreach (var child in contents.Children)
                {
                    children[child.Name] = Child(child);
                }

                details["children"] = children;
            }

            return new JsonArray("dirnode", details);
        }

        var file = CapFields(node.Cap, writable: !node.IsReadOnly);
        file["mutable"] = node.IsMutable;
        file["format"] = FormatOf(node.Cap);
        if ((size ?? (node as IFileNode)?.KnownSize) is long known)
        {
            file["size"] = known;
        }

        if (entry is not null)
        {
            file["metadata"] = Metadata(entry.Metadata);
        }

        return new JsonArray(node is VerifierNode ? "unknown" : "filenode", file);
    }

    /// <summary>One entry of a directory listing, from the caps its entry stores.</summary>
    public static JsonArray Child(DirectoryChild child)
    {
        var cap = child.Cap;
        var kind = cap switch
        {
            DirectoryCap => "dirnode",
            ChkReadCap or LiteralCap or MutableWriteCap or MutableReadCap => "filenode",
            _ => "unknown",
        };
        var details = new JsonObject();
        if (child.WriteCap is not null)
        {
            details["rw_uri"] = child.WriteCap;
        }

        if (child.ReadCap is not null)
        {
            details["ro_uri"] = child.ReadCap;
        }
        else if (cap is not null && ReadOnlyOf(cap) is { } readOnly)
        {
            details["ro_uri"] = readOnly.ToString();
        }

        if (cap is not null && VerifyOf(cap) is { } verify)
        {
            details["verify_uri"] = verify.ToString();
        }

        if (kind != "unknown")
        {
            details["mutable"] = cap is MutableWriteCap or MutableReadCap or DirectoryCap { IsMutable: true };
        }

        if (kind == "filenode")
        {
            details["format"] = FormatOf(cap!);
            switch (cap)
            {
                case ChkReadCap chk:
                    details["size"] = chk.Size;
                    break;
                case LiteralCap literal:
                    details["size"] = literal.Data.Length;
                    break;
            }
        }

        details["metadata"] = Metadata(child.Metadata);
        return new JsonArray(kind, details);
    }

    /// <summary>ASCII JSON text with a final newline, as Tahoe sends it.</summary>
    public static string Text(JsonNode node) => node.ToJsonString(Ascii) + "\n";

    public static string FormatOf(Cap cap) => cap switch
    {
        MutableWriteCap { Format: MutableFormat.Mdmf } or MutableReadCap { Format: MutableFormat.Mdmf } => "MDMF",
        MutableWriteCap or MutableReadCap => "SDMF",
        _ => "CHK",
    };

    public static Cap? ReadOnlyOf(Cap cap) => cap switch
    {
        DirectoryCap directory => directory.ReadOnlyCap,
        MutableWriteCap write => write.ReadCap,
        ChkVerifyCap or MutableVerifyCap => null,
        _ => cap,
    };

    public static Cap? VerifyOf(Cap cap) => cap switch
    {
        DirectoryCap directory => directory.VerifyCap,
        MutableWriteCap write => write.VerifyCap,
        MutableReadCap read => read.VerifyCap,
        ChkReadCap chk => chk.VerifyCap,
        ChkVerifyCap or MutableVerifyCap => cap,
        _ => null,
    };

    private static JsonObject CapFields(Cap cap, bool writable)
    {
        var fields = new JsonObject();
        if (writable && cap is MutableWriteCap or DirectoryCap { IsWritable: true })
        {
            fields["rw_uri"] = cap.ToString();
        }

        if (ReadOnlyOf(cap) is { } readOnly)
        {
            fields["ro_uri"] = readOnly.ToString();
        }

        if (VerifyOf(cap) is { } verify)
        {
            fields["verify_uri"] = verify.ToString();
        }

        return fields;
    }

    private static JsonNode Metadata(MetadataObject metadata) => JsonNode.Parse(MetadataJson.Serialize(metadata))!;
}
