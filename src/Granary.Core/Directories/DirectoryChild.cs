using Granary.Core.Caps;

namespace Granary.Core.Directories;

/// <summary>
/// One entry of a directory: an NFC name, the child's write cap and read cap as stored (either may
/// be absent), and its metadata. Immutable. An entry read from a directory remembers its packed
/// bytes, so that re-packing the directory after changing other entries copies it verbatim, as
/// Tahoe does; any change makes a new entry without them.
/// </summary>
public sealed class DirectoryChild
{
    /// <param name="name">Any string; it is stored in NFC.</param>
    /// <param name="writeCap">The write-cap slot: only in mutable directories, encrypted there.</param>
    /// <param name="readCap">The read-cap slot, in clear.</param>
    public DirectoryChild(string name, string? writeCap, string? readCap, MetadataObject? metadata = null)
        : this(UnicodeNormalization.ToNfc(name ?? throw new ArgumentNullException(nameof(name))), writeCap, readCap, metadata ?? MetadataObject.Empty, null)
    {
    }

    private DirectoryChild(string name, string? writeCap, string? readCap, MetadataObject metadata, byte[]? packedEntry)
    {
        Name = name;
        WriteCap = string.IsNullOrEmpty(writeCap) ? null : writeCap;
        ReadCap = string.IsNullOrEmpty(readCap) ? null : readCap;
        Metadata = metadata;
        PackedEntry = packedEntry;
    }

    /// <summary>The name in Unicode NFC.</summary>
    public string Name { get; }

    public string? WriteCap { get; }

    public string? ReadCap { get; }

    public MetadataObject Metadata { get; }

    /// <summary>The entry's bytes as read from a directory (inside its outer netstring), or null once changed.</summary>
    internal byte[]? PackedEntry { get; }

    /// <summary>
    /// An entry for <paramref name="cap"/> as Tahoe links one: a write cap (file or directory) fills
    /// both slots, with its read cap derived; anything else fills the read slot.
    /// </summary>
    public static DirectoryChild ForCap(string name, Cap cap, MetadataObject? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(cap);
        var (write, read) = ChildCaps.SlotsFor(cap);
        return new DirectoryChild(name, write, read, metadata);
    }

    /// <summary>
    /// An entry from caps as a client gave them (<c>rw_uri</c>, <c>ro_uri</c>), normalised to their
    /// slots as Tahoe does: a read cap given as the write cap moves to the read slot, a write cap's
    /// read cap is derived. Throws <see cref="ArgumentException"/> for a malformed cap.
    /// </summary>
    public static DirectoryChild FromGivenCaps(string name, string? writeCap, string? readCap, MetadataObject? metadata = null)
    {
        var (write, read) = ChildCaps.SlotsFor(writeCap, readCap, name);
        return new DirectoryChild(name, write, read, metadata);
    }

    /// <summary>The child's cap, parsed: the write cap if any, else the read cap; null for an unknown or absent cap.</summary>
    public Cap? Cap
    {
        get
        {
            var big = WriteCap ?? ReadCap;
            return big is not null && ChildCaps.Classify(ChildCaps.StripContext(big, out _, out _), out var cap) == ChildCapKind.Known ? cap : null;
        }
    }

    public DirectoryChild WithMetadata(MetadataObject metadata) => new(Name, WriteCap, ReadCap, metadata ?? throw new ArgumentNullException(nameof(metadata)), null);

    /// <summary>The same child without its write cap: what Tahoe stores when metadata says <c>no-write</c>.</summary>
    public DirectoryChild ReadOnly() => WriteCap is null ? this : new(Name, null, ReadCap, Metadata, null);

    public override string ToString() => $"{Name}: {WriteCap ?? ReadCap ?? "(no cap)"} {Metadata}";

    internal static DirectoryChild FromPacked(string name, string? writeCap, string? readCap, MetadataObject metadata, byte[] entry) =>
        new(name, writeCap, readCap, metadata, entry);

    internal DirectoryChild WithoutPackedEntry() => PackedEntry is null ? this : new(Name, WriteCap, ReadCap, Metadata, null);
}
