using Granary.Core.Caps;

namespace Granary.Storage.Shares;

/// <summary>
/// Where things live under a node directory. Complete immutable shares are
/// <c>shares/&lt;prefix&gt;/&lt;storage index&gt;/&lt;share number&gt;</c> (the prefix is the index's first two
/// base32 characters, so no directory grows huge), each bucket with a <c>leases</c> file; uploads in
/// progress are kept apart under <c>incoming/</c>; mutable slots under <c>mutable/</c>. The store's
/// format version is in <c>STORE-FORMAT</c>, so a change of layout is deliberate.
/// </summary>
internal sealed class StoreLayout(string root)
{
    public const string FormatFileName = "STORE-FORMAT";
    public const string FormatLine = "granary-share-store 1";
    public const string LeasesFileName = "leases";
    public const string WriteEnablerFileName = "write-enabler";
    public const string CorruptMarkerSuffix = ".corrupt";

    public string Root { get; } = root;

    public string Shares => Path.Combine(Root, "shares");

    public string Incoming => Path.Combine(Root, "incoming");

    public string Mutable => Path.Combine(Root, "mutable");

    public string Bucket(StorageIndex index) => Path.Combine(Shares, Prefix(index), index.ToString());

    public string Share(StorageIndex index, int share) => Path.Combine(Bucket(index), Number(share));

    /// <summary>
    /// Beside a share the node has found corrupt itself: the finding. Such a share stays readable (its
    /// other blocks may still be needed) until an upload of the same share replaces it.
    /// </summary>
    public string CorruptMarker(StorageIndex index, int share) => Share(index, share) + CorruptMarkerSuffix;

    public string IncomingShare(StorageIndex index, int share) => Path.Combine(Incoming, Prefix(index), index.ToString(), Number(share));

    public string Slot(StorageIndex index) => Path.Combine(Mutable, Prefix(index), index.ToString());

    public string SlotShare(StorageIndex index, int share) => Path.Combine(Slot(index), Number(share));

    /// <summary>Creates the directories and checks (or writes) the format version.</summary>
    public void Initialize()
    {
        Directory.CreateDirectory(Shares);
        Directory.CreateDirectory(Incoming);
        Directory.CreateDirectory(Mutable);
        var format = Path.Combine(Root, FormatFileName);
        if (!File.Exists(format))
        {
            File.WriteAllText(format, FormatLine + "\n");
        }
        else if (File.ReadAllText(format).Trim() != FormatLine)
        {
            throw new InvalidOperationException($"{format} says '{File.ReadAllText(format).Trim()}'; this Granary stores '{FormatLine}'.");
        }
    }

    /// <summary>Share numbers of the files in a bucket or slot directory (other files ignored).</summary>
    public static List<int> ShareNumbersIn(string directory)
    {
        var numbers = new List<int>();
        if (!Directory.Exists(directory))
        {
            return numbers;
        }

        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(file);
            if (int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && n <= Core.Protocol.StorageProtocol.MaxShareNumber && name == Number(n))
            {
                numbers.Add(n);
            }
        }

        numbers.Sort();
        return numbers;
    }

    /// <summary>How many share files the buckets or slots under <paramref name="area"/> hold, and their bytes.</summary>
    public static (int Shares, long Bytes) Tally(string area, Func<StorageIndex, string> directoryOf)
    {
        var shares = 0;
        long bytes = 0;
        foreach (var index in IndexesIn(area))
        {
            var directory = directoryOf(index);
            foreach (var share in ShareNumbersIn(directory))
            {
                shares++;
                bytes += new FileInfo(Path.Combine(directory, Number(share))).Length;
            }
        }

        return (shares, bytes);
    }

    /// <summary>Every bucket or slot directory under <paramref name="area"/>, as storage indexes.</summary>
    public static IEnumerable<StorageIndex> IndexesIn(string area)
    {
        if (!Directory.Exists(area))
        {
            yield break;
        }

        foreach (var prefix in Directory.EnumerateDirectories(area))
        {
            foreach (var bucket in Directory.EnumerateDirectories(prefix))
            {
                if (StorageIndex.TryParse(Path.GetFileName(bucket), out var index, out _))
                {
                    yield return index;
                }
            }
        }
    }

    /// <summary>Makes a rename durable: flushes the directory entry to disk (.NET cannot open a directory, so libc does it).</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = DirectorySync.Open(directory, 0 /* O_RDONLY */);
        if (descriptor < 0)
        {
            return; // the rename is atomic regardless; only its durability waits for the next flush
        }

        DirectorySync.Fsync(descriptor);
        DirectorySync.Close(descriptor);
    }

    private static string Prefix(StorageIndex index) => index.ToString()[..2];

    private static string Number(int share) => share.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
