namespace Granary.Hub.Tracker;

/// <summary>
/// What the store needs to know of the federation when it changes state: whether to record events
/// at all (only when there is a member to send them to), this tracker's id as their origin, and whom
/// to wake once a transaction that recorded one has committed.
/// </summary>
internal sealed class TrackerJournal(string selfId)
{
    private volatile bool _active;

    public string SelfId { get; } = selfId;

    /// <summary>True while at least one member is configured.</summary>
    public bool Active
    {
        get => _active;
        set => _active = value;
    }

    /// <summary>Raised after a commit that appended events.</summary>
    public event Action? Appended;

    public void NotifyAppended() => Appended?.Invoke();
}

/// <summary>Where a replicated event came from: its id and origin, and the member that handed it to us.</summary>
internal sealed record EventSource(string EventId, string Origin, long OriginSeq, string Sender, string EventIp);

/// <summary>The outcome of a tracker operation: a status (REST), the error text when it failed, and what a success returns.</summary>
internal readonly record struct TrackerResult(int Status, string? Error, long FileId = 0, string? Guid = null)
{
    public bool Success => Error is null;

    public static TrackerResult Ok(long fileId = 0, string? guid = null) => new(200, null, fileId, guid);

    public static TrackerResult Fail(int status, string error) => new(status, error);
}

/// <summary>How a replicated event fared on this tracker (§9.2's seen rule).</summary>
internal enum ReplicaOutcome
{
    /// <summary>Applied now, recorded, to be forwarded.</summary>
    Applied,

    /// <summary>Already applied (its id, or the peer's counter, says so): success, nothing done.</summary>
    Seen,

    /// <summary>An earlier event of the same peer is missing: not acknowledged, the sender retries.</summary>
    Gap,
}
