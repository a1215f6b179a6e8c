using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Granary.Storage.Shares;

/// <summary>
/// sync_file_range(WRITE): start writing a range to disk now, without waiting. An upload asks this
/// after every write, so the disk works while the next range crosses the network and the flush at
/// completion has little left to do.
/// </summary>
internal static partial class Writeback
{
    private const uint StartWrite = 2; // SYNC_FILE_RANGE_WRITE

    public static void Start(SafeFileHandle handle, long offset, long length)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SyncFileRange(handle, offset, length, StartWrite);
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(SafeFileHandle descriptor, long offset, long length, uint flags);
}
