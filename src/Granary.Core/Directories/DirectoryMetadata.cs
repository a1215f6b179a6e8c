namespace Granary.Core.Directories;

/// <summary>
/// Tahoe's timestamp rule for a child that is added or changed after the directory was created
/// (mutable-dirnode §16.4, <c>dirnode.update_metadata</c>). The user's metadata replaces the old,
/// except the system <c>tahoe</c> sub-object, which is kept; <c>tahoe.linkcrtime</c> is set once
/// (from a legacy <c>ctime</c> if there is one) and <c>tahoe.linkmotime</c> every time.
/// </summary>
public static class DirectoryMetadata
{
    public const string SystemKey = "tahoe";
    public const string LinkCreationTime = "linkcrtime";
    public const string LinkModificationTime = "linkmotime";
    public const string NoWrite = "no-write";

    /// <param name="old">The child's metadata before, or null for a new child.</param>
    /// <param name="requested">The metadata asked for, or null to keep the old.</param>
    /// <param name="now">The current Unix time in seconds, as Python's <c>time.time()</c>.</param>
    public static MetadataObject Update(MetadataObject? old, MetadataObject? requested, double now)
    {
        var metadata = old ?? MetadataObject.Empty;
        var oldCreationTime = metadata.TryGetValue("ctime", out var ctime) ? ctime : null;
        if (requested is not null)
        {
            var replaced = requested.Without(SystemKey);
            if (metadata.TryGetValue(SystemKey, out var system))
            {
                replaced = replaced.With(SystemKey, system);
            }

            metadata = replaced;
        }

        var sys = metadata.TryGetValue(SystemKey, out var existing) && existing is MetadataObject o ? o : MetadataObject.Empty;
        if (!sys.ContainsKey(LinkCreationTime))
        {
            sys = sys.With(LinkCreationTime, oldCreationTime ?? now);
        }

        sys = sys.With(LinkModificationTime, now);
        return metadata.With(SystemKey, sys);
    }

    /// <summary>Whether the metadata asks for the child to be linked read-only (a truthy <c>no-write</c>, in Python's sense).</summary>
    public static bool IsNoWrite(MetadataObject metadata) =>
        metadata is not null && metadata.TryGetValue(NoWrite, out var value) && MetadataJson.IsTruthy(value);

    /// <summary>When the child was last linked or changed (<c>tahoe.linkmotime</c>, seconds since 1970), or null when the metadata does not say.</summary>
    public static double? LinkModified(MetadataObject metadata) =>
        metadata.TryGetValue(SystemKey, out var system) && system is MetadataObject tahoe
        && tahoe.TryGetValue(LinkModificationTime, out var value) && value is IConvertible number
            ? number.ToDouble(System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
