using System.Text;
using Granary.Core.Caps;
using Granary.Core.Formats;

namespace Granary.Core.Directories;

/// <summary>
/// The children of one directory, and the byte format its backing file holds (mutable-dirnode §16):
/// one netstring per child, in code-point order of the NFC names, each holding
/// <c>ns(name) || ns(read cap) || ns(encrypted write cap) || ns(metadata JSON)</c>.
/// </summary>
/// <remarks>
/// Design: a contents object belongs to one directory and knows what it may do there — a mutable
/// directory's writer holds the write key and encrypts write caps under it; a read-only holder sees
/// no write caps and cannot pack; an immutable directory stores no write caps at all and requires
/// every child to be deeply immutable. Unpacking keeps each entry's bytes, and packing copies the
/// bytes of every entry not changed since, so an edit touches only the entries it changes (Tahoe
/// relies on this: other writers' JSON and name spellings survive). Entries Tahoe would drop when
/// reading (caps its parser rejects, caps that break the directory's context) are dropped here
/// too, and counted. Names are compared by code point (UTF-8 byte order), never by UTF-16 unit.
/// </remarks>
public sealed class DirectoryContents
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[]? _writeKey;
    private readonly SortedDictionary<string, DirectoryChild> _children = new(CodePointComparer.Instance);

    private DirectoryContents(byte[]? writeKey, bool mutable)
    {
        _writeKey = writeKey;
        IsMutable = mutable;
    }

    /// <summary>Whether the directory lives in a mutable file (otherwise it is immutable, CHK or literal).</summary>
    public bool IsMutable { get; }

    /// <summary>Whether these contents can be packed: an immutable directory being built, or a mutable one with its write key.</summary>
    public bool CanPack => !IsMutable || _writeKey is not null;

    /// <summary>Entries read but dropped because Tahoe would not accept their caps.</summary>
    public int DroppedCount { get; private set; }

    public int Count => _children.Count;

    /// <summary>The children in the order they are packed (code point order of their names).</summary>
    public IReadOnlyCollection<DirectoryChild> Children => _children.Values;

    /// <summary>An empty mutable directory whose writer holds <paramref name="writeKey"/> (the backing file's write key).</summary>
    public static DirectoryContents CreateMutable(ReadOnlySpan<byte> writeKey) => new(RequireWriteKey(writeKey), mutable: true);

    /// <summary>An empty immutable directory to fill and pack once.</summary>
    public static DirectoryContents CreateImmutable() => new(null, mutable: false);

    /// <summary>Reads the contents of the directory <paramref name="cap"/> names (a write cap decrypts write caps).</summary>
    public static DirectoryContents Unpack(ReadOnlySpan<byte> data, DirectoryCap cap)
    {
        ArgumentNullException.ThrowIfNull(cap);
        if (cap.IsVerifier)
        {
            throw new ArgumentException("A verify cap cannot list a directory.", nameof(cap));
        }

        return Unpack(data, cap.WriteKey, cap.IsMutable);
    }

    /// <summary>
    /// Reads packed contents. <paramref name="writeKey"/> is the mutable directory's write key, or
    /// empty for a read-only view (write caps then stay hidden) and for immutable directories.
    /// Throws <see cref="DirectoryFormatException"/> where Tahoe would fail to read the directory.
    /// </summary>
    public static DirectoryContents Unpack(ReadOnlySpan<byte> data, ReadOnlySpan<byte> writeKey, bool mutable)
    {
        if (!mutable && !writeKey.IsEmpty)
        {
            throw new ArgumentException("An immutable directory has no write key.", nameof(writeKey));
        }

        var contents = new DirectoryContents(writeKey.IsEmpty ? null : RequireWriteKey(writeKey), mutable);
        while (!data.IsEmpty)
        {
            var entry = ReadNetstring(ref data, "entry");
            var fields = entry;
            var nameBytes = ReadNetstring(ref fields, "name");
            var readBytes = ReadNetstring(ref fields, "read cap");
            var writeData = ReadNetstring(ref fields, "write cap");
            var metadataBytes = ReadNetstring(ref fields, "metadata");
            if (!mutable && !writeData.IsEmpty)
            {
                throw new DirectoryFormatException("An immutable directory's entry carries a write cap.");
            }

            var name = UnicodeNormalization.ToNfc(Decode(nameBytes, "name"));
            var writeCap = contents._writeKey is null ? [] : ChildCapCipher.Decrypt(contents._writeKey, writeData);
            if (!TryDecodeCap(writeCap, out var write) || !TryDecodeCap(readBytes, out var read) || !ChildCaps.IsAcceptable(write, read, mutable))
            {
                contents.DroppedCount++;
                continue;
            }

            MetadataObject metadata;
            try
            {
                metadata = MetadataJson.Parse(Decode(metadataBytes, "metadata"));
            }
            catch (FormatException e)
            {
                throw new DirectoryFormatException($"The metadata of '{name}' is not a JSON object: {e.Message}", e);
            }

            contents._children[name] = DirectoryChild.FromPacked(name, write, read, metadata, entry.ToArray());
        }

        return contents;
    }

    public bool TryGetChild(string name, out DirectoryChild? child) =>
        _children.TryGetValue(UnicodeNormalization.ToNfc(name ?? throw new ArgumentNullException(nameof(name))), out child);

    /// <summary>Stores <paramref name="child"/> as given (its metadata untouched, as at directory creation), replacing any child of that name.</summary>
    public void Set(DirectoryChild child)
    {
        ArgumentNullException.ThrowIfNull(child);
        _children[child.Name] = child.WithoutPackedEntry();
    }

    /// <summary>
    /// Links a child the way Tahoe's <c>set_uri</c>/<c>set_node</c> does after creation: caps
    /// normalised to their slots, metadata by <see cref="DirectoryMetadata.Update"/> from the old
    /// child's (if any) at <paramref name="now"/>, and a truthy <c>no-write</c> drops the write cap.
    /// Returns the stored child. Throws <see cref="InvalidOperationException"/> when the name is taken
    /// and <paramref name="overwrite"/> is false.
    /// </summary>
    public DirectoryChild Link(string name, string? writeCap, string? readCap, MetadataObject? metadata, double now, bool overwrite = true)
    {
        name = UnicodeNormalization.ToNfc(name ?? throw new ArgumentNullException(nameof(name)));
        var (write, read) = ChildCaps.SlotsFor(writeCap, readCap, name);
        var old = _children.GetValueOrDefault(name);
        if (old is not null && !overwrite)
        {
            throw new InvalidOperationException($"The directory already has a child named '{name}'.");
        }

        var child = new DirectoryChild(name, write, read, DirectoryMetadata.Update(old?.Metadata, metadata, now));
        if (DirectoryMetadata.IsNoWrite(child.Metadata))
        {
            child = child.ReadOnly();
        }

        _children[name] = child;
        return child;
    }

    /// <summary>Links <paramref name="cap"/> under <paramref name="name"/> (see <see cref="Link(string, string?, string?, MetadataObject?, double, bool)"/>).</summary>
    public DirectoryChild Link(string name, Cap cap, MetadataObject? metadata, double now, bool overwrite = true)
    {
        ArgumentNullException.ThrowIfNull(cap);
        var (write, read) = ChildCaps.SlotsFor(cap);
        return Link(name, write, read, metadata, now, overwrite);
    }

    /// <summary>Replaces a child's metadata as Tahoe's <c>set_metadata_for</c> does (same rule as linking).</summary>
    public DirectoryChild SetMetadata(string name, MetadataObject metadata, double now)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        name = UnicodeNormalization.ToNfc(name ?? throw new ArgumentNullException(nameof(name)));
        if (!_children.TryGetValue(name, out var old))
        {
            throw new KeyNotFoundException($"The directory has no child named '{name}'.");
        }

        var child = old.WithMetadata(DirectoryMetadata.Update(old.Metadata, metadata, now));
        if (DirectoryMetadata.IsNoWrite(child.Metadata))
        {
            child = child.ReadOnly();
        }

        _children[name] = child;
        return child;
    }

    public bool Remove(string name) => _children.Remove(UnicodeNormalization.ToNfc(name ?? throw new ArgumentNullException(nameof(name))));

    /// <summary>
    /// The packed contents: what the directory's backing file holds. Unchanged entries are copied
    /// verbatim. Throws <see cref="InvalidOperationException"/> for a read-only view, or for an
    /// immutable directory with a child that is not deeply immutable.
    /// </summary>
    public byte[] Pack()
    {
        if (!CanPack)
        {
            throw new InvalidOperationException("A read-only view of a mutable directory cannot be packed: write caps would be lost.");
        }

        var output = new PackBuffer();
        foreach (var child in _children.Values)
        {
            output.WriteNetstring(child.PackedEntry ?? PackEntry(child));
        }

        return output.ToArray();
    }

    private byte[] PackEntry(DirectoryChild child)
    {
        if (!IsMutable)
        {
            var mutableCap = child.Cap is { } cap && ChildCaps.IsMutableReadOrWrite(cap);
            if (child.WriteCap is not null || mutableCap)
            {
                throw new InvalidOperationException($"The child '{child.Name}' is not allowed in an immutable directory: it is mutable.");
            }
        }

        var readCap = child.ReadCap ?? "";
        if (readCap.StartsWith(ChildCaps.ReadOnlyPrefix, StringComparison.Ordinal) || (!IsMutable && readCap.StartsWith(ChildCaps.ImmutablePrefix, StringComparison.Ordinal)))
        {
            readCap = ChildCaps.StripContext(readCap, out _, out _);
        }

        var entry = new PackBuffer();
        entry.WriteNetstring(Encoding.UTF8.GetBytes(child.Name));
        entry.WriteNetstring(Encoding.UTF8.GetBytes(readCap));
        entry.WriteNetstring(_writeKey is null ? [] : ChildCapCipher.Encrypt(_writeKey, Encoding.UTF8.GetBytes(child.WriteCap ?? "")));
        entry.WriteNetstring(Encoding.ASCII.GetBytes(MetadataJson.Serialize(child.Metadata)));
        return entry.ToArray();
    }

    private static ReadOnlySpan<byte> ReadNetstring(ref ReadOnlySpan<byte> data, string what)
    {
        try
        {
            if (!Netstring.TryRead(data, out var value, out var consumed))
            {
                throw new DirectoryFormatException($"The directory ends inside an entry's {what}.");
            }

            data = data[consumed..];
            return value;
        }
        catch (FormatException e) when (e is not DirectoryFormatException)
        {
            throw new DirectoryFormatException($"An entry's {what} is not a netstring: {e.Message}", e);
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string what)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new DirectoryFormatException($"An entry's {what} is not UTF-8.", e);
        }
    }

    // Caps are ASCII in practice; a slot that is not even UTF-8 cannot be a cap this code can carry.
    private static bool TryDecodeCap(ReadOnlySpan<byte> bytes, out string? cap)
    {
        cap = null;
        var end = bytes.Length;
        while (end > 0 && bytes[end - 1] == (byte)' ')
        {
            end--;
        }

        if (end == 0)
        {
            return true;
        }

        try
        {
            cap = StrictUtf8.GetString(bytes[..end]);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static byte[] RequireWriteKey(ReadOnlySpan<byte> writeKey) =>
        writeKey.Length == Mutable.MutableSecrets.KeySize
            ? writeKey.ToArray()
            : throw new ArgumentException($"A directory's write key is {Mutable.MutableSecrets.KeySize} bytes.", nameof(writeKey));

    private sealed class PackBuffer
    {
        private readonly MemoryStream _stream = new();

        public void WriteNetstring(ReadOnlySpan<byte> value)
        {
            _stream.Write(Netstring.Encode(value));
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
