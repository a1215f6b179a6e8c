using Granary.Core.Caps;
using Microsoft.Win32.SafeHandles;

namespace Granary.Storage.Shares;

/// <summary>One share being uploaded: its file under <c>incoming/</c>, what has been written, and who may write.</summary>
internal sealed class ImmutableUpload(StorageIndex index, int share, string path, long size, byte[] secretHash, DateTimeOffset started)
    : IDisposable
{
    /// <summary>Kept open from allocation to completion: one open per upload, not per write.</summary>
    public SafeFileHandle Handle { get; } = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);

    public StorageIndex Index { get; } = index;

    public int Share { get; } = share;

    public string Path { get; } = path;

    public long Size { get; } = size;

    /// <summary>SHA-256 of the upload secret that allocated it; every write and abort must present the same secret.</summary>
    public byte[] SecretHash { get; } = secretHash;

    public ByteRanges Written { get; } = new();

    /// <summary>Serializes writes to this share; writes to different shares run in parallel.</summary>
    public SemaphoreSlim Lock { get; } = new(1, 1);

    public DateTimeOffset LastActivity { get; set; } = started;

    /// <summary>Set once the share is complete or aborted; later operations find it gone.</summary>
    public bool Closed { get; set; }

    public void Dispose() => Handle.Dispose();
}
