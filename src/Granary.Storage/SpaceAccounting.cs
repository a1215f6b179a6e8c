namespace Granary.Storage;

/// <summary>
/// What the node may still promise to store. Allocations are reserved in full when made, so two
/// clients can never both be promised the last gigabyte; the disk's own free space counts too, minus
/// uploads not yet written and the farmer's reserve, so the node never fills the disk.
/// </summary>
internal sealed class SpaceAccounting(long capacity, long reserved, Func<long> diskFree)
{
    private readonly Lock _lock = new();
    private long _used;
    private long _pending;

    public long Capacity => capacity;

    /// <summary>Bytes held: complete shares, mutable shares, and reservations for uploads in progress.</summary>
    public long Used
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    /// <summary>Bytes the node can still promise right now.</summary>
    public long Available
    {
        get
        {
            lock (_lock)
            {
                return AvailableLocked();
            }
        }
    }

    /// <summary>Counts bytes already on disk when the node starts.</summary>
    public void AddExisting(long bytes)
    {
        lock (_lock)
        {
            _used += bytes;
        }
    }

    /// <summary>Reserves room for an upload that is not on disk yet; false if it does not fit.</summary>
    public bool TryReserve(long bytes)
    {
        lock (_lock)
        {
            if (bytes > AvailableLocked())
            {
                return false;
            }

            _used += bytes;
            _pending += bytes;
            return true;
        }
    }

    /// <summary>An upload's bytes are now on disk (and counted by the disk's free space).</summary>
    public void Commit(long bytes)
    {
        lock (_lock)
        {
            _pending -= bytes;
        }
    }

    /// <summary>An upload was abandoned before completion.</summary>
    public void Cancel(long bytes)
    {
        lock (_lock)
        {
            _used -= bytes;
            _pending -= bytes;
        }
    }

    /// <summary>Bytes written in place (mutable shares): positive grows, negative shrinks.</summary>
    public bool TryResize(long delta)
    {
        lock (_lock)
        {
            if (delta > 0 && delta > AvailableLocked())
            {
                return false;
            }

            _used += delta;
            return true;
        }
    }

    /// <summary>Stored bytes were deleted.</summary>
    public void Free(long bytes)
    {
        lock (_lock)
        {
            _used -= bytes;
        }
    }

    private long AvailableLocked() => Math.Max(0, Math.Min(capacity - _used, diskFree() - _pending - reserved));
}
