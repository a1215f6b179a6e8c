using Microsoft.Extensions.Logging;

namespace Granary.Hub.Tracker;

internal static partial class TrackerLog
{
    [LoggerMessage(2201, LogLevel.Information, "Tracker {Id} serving {Url}, keep-alive timeout {Timeout} s, {Status}")]
    public static partial void Serving(ILogger logger, string id, string url, int timeout, string status);

    [LoggerMessage(2202, LogLevel.Error, "Tracker database error answering {Method} {Path}")]
    public static partial void DatabaseError(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(2203, LogLevel.Error, "Tracker bug answering {Method} {Path}")]
    public static partial void Unexpected(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(2204, LogLevel.Information, "Tracker limits: {PerSecond} requests/s per IP (0: off), burst {Burst}; headers within {HeadersTimeout} s; idle connections closed after {IdleTimeout} s")]
    public static partial void Limits(ILogger logger, int perSecond, int burst, int headersTimeout, int idleTimeout);

    [LoggerMessage(2210, LogLevel.Information, "Federation members: {Members}")]
    public static partial void Members(ILogger logger, string members);

    [LoggerMessage(2211, LogLevel.Warning, "Federation members file {Path} is not valid, keeping the previous members: {Reason}")]
    public static partial void MembersInvalid(ILogger logger, string path, string reason);

    [LoggerMessage(2212, LogLevel.Warning, "Refused a tracker call from {Remote} on {Path}: {Reason}")]
    public static partial void AuthRefused(ILogger logger, string remote, string path, string reason);

    [LoggerMessage(2213, LogLevel.Warning, "Delivery to member {Member} failed ({Failures} in a row), next try in {Delay} ms: {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, string member, int failures, long delay, string reason);

    [LoggerMessage(2214, LogLevel.Warning, "Member {Member} is offline after {Failures} failed deliveries")]
    public static partial void MemberOffline(ILogger logger, string member, int failures);

    [LoggerMessage(2215, LogLevel.Information, "Member {Member} is online")]
    public static partial void MemberOnline(ILogger logger, string member);

    [LoggerMessage(2216, LogLevel.Warning, "Queue for member {Member} overflowed ({Depth} events): dropped; it needs a re-sync")]
    public static partial void QueueOverflow(ILogger logger, string member, long depth);

    [LoggerMessage(2217, LogLevel.Error, "Member {Member} refused event {EventId} with {Status} ({Reason}); dead-lettered")]
    public static partial void DeadLettered(ILogger logger, string member, string eventId, int status, string reason);

    [LoggerMessage(2218, LogLevel.Information, "Loaded a snapshot from {Member}: {Peers} peers, {Files} files, up to its event {OriginSeq}")]
    public static partial void SnapshotLoaded(ILogger logger, string member, int peers, int files, long originSeq);

    [LoggerMessage(2219, LogLevel.Warning, "Snapshot from {Member} failed: {Reason}")]
    public static partial void SnapshotFailed(ILogger logger, string member, string reason);

    [LoggerMessage(2220, LogLevel.Information, "Served a snapshot to {Member}: {Peers} peers, {Files} files, up to event {Seq}")]
    public static partial void SnapshotServed(ILogger logger, string member, int peers, int files, long seq);

    [LoggerMessage(2221, LogLevel.Warning, "Replicated {Kind} from {Member} (origin {Origin}) did not fit this tracker's state: {Reason}")]
    public static partial void ReplicaConflict(ILogger logger, string kind, string member, string origin, string reason);

    [LoggerMessage(2222, LogLevel.Warning, "Event {EventId} from {Member} refused: {Reason}")]
    public static partial void EventRefused(ILogger logger, string eventId, string member, string reason);

    [LoggerMessage(2223, LogLevel.Warning, "Events from {Member} have been out of order for {Seconds} s: asking it for a snapshot")]
    public static partial void GapTooLong(ILogger logger, string member, long seconds);

    [LoggerMessage(2224, LogLevel.Warning, "Federation members file {Path} not applied yet, the database failed (trying again): {Reason}")]
    public static partial void MembersDeferred(ILogger logger, string path, string reason);
}
