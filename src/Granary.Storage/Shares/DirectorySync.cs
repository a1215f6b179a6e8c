using System.Runtime.InteropServices;

namespace Granary.Storage.Shares;

/// <summary>The three libc calls that flush a directory entry to disk.</summary>
internal static partial class DirectorySync
{
    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    public static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int descriptor);
}
