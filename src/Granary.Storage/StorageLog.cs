using Microsoft.Extensions.Logging;

namespace Granary.Storage;

/// <summary>
/// The node's log events, with stable ids. Secrets never appear in them, and text a client sent
/// goes through <see cref="Hosting.LogText.Escape"/> first.
/// </summary>
internal static partial class StorageLog
{
    [LoggerMessage(1001, LogLevel.Information, "Storage node {NodeId} serving {Url}")]
    public static partial void Serving(ILogger logger, string nodeId, string url);

    [LoggerMessage(1002, LogLevel.Information, "Removed {Count} incomplete uploads left by an earlier run")]
    public static partial void CleanedIncoming(ILogger logger, int count);

    [LoggerMessage(1003, LogLevel.Information, "Share store holds {Shares} immutable shares and {Slots} mutable shares, {Bytes} bytes")]
    public static partial void StoreOpened(ILogger logger, int shares, int slots, long bytes);

    [LoggerMessage(1101, LogLevel.Information, "Allocated shares [{Allocated}] of {StorageIndex} ({Size} bytes each); already had [{AlreadyHave}]; refused [{Refused}]")]
    public static partial void Allocated(ILogger logger, string storageIndex, string allocated, long size, string alreadyHave, string refused);

    [LoggerMessage(1102, LogLevel.Information, "Share {Share} of {StorageIndex} complete ({Size} bytes)")]
    public static partial void ShareCompleted(ILogger logger, string storageIndex, int share, long size);

    [LoggerMessage(1103, LogLevel.Information, "Upload of share {Share} of {StorageIndex} aborted")]
    public static partial void UploadAborted(ILogger logger, string storageIndex, int share);

    [LoggerMessage(1104, LogLevel.Warning, "Upload of share {Share} of {StorageIndex} abandoned after {Minutes} idle minutes")]
    public static partial void UploadAbandoned(ILogger logger, string storageIndex, int share, int minutes);

    [LoggerMessage(1105, LogLevel.Warning, "Write to share {Share} of {StorageIndex} conflicts with bytes already written at {Offset}")]
    public static partial void WriteConflict(ILogger logger, string storageIndex, int share, long offset);

    [LoggerMessage(1106, LogLevel.Information, "Another upload secret joined the uploads of shares [{Shares}] of {StorageIndex} in progress")]
    public static partial void UploadJoined(ILogger logger, string storageIndex, string shares);

    [LoggerMessage(1004, LogLevel.Information, "Removed {Count} buckets that held no share (left by uploads that never finished)")]
    public static partial void RemovedEmptyBuckets(ILogger logger, int count);

    [LoggerMessage(1201, LogLevel.Warning, "Corruption reported in immutable share {Share} of {StorageIndex}: {Reason}")]
    public static partial void CorruptionReported(ILogger logger, string storageIndex, int share, string reason);

    [LoggerMessage(1202, LogLevel.Warning, "The node's own check confirms immutable share {Share} of {StorageIndex} is corrupt ({Finding}); an upload of it may now replace it")]
    public static partial void CorruptionConfirmed(ILogger logger, string storageIndex, int share, string finding);

    [LoggerMessage(1204, LogLevel.Warning, "Corruption reported in mutable share {Share} of {StorageIndex}: {Reason}")]
    public static partial void MutableCorruptionReported(ILogger logger, string storageIndex, int share, string reason);

    [LoggerMessage(1203, LogLevel.Information, "Kept immutable share {Share} of {StorageIndex}: the node's own check finds it sound")]
    public static partial void ReportedShareSound(ILogger logger, string storageIndex, int share);

    [LoggerMessage(1301, LogLevel.Information, "Garbage collection removed {Kind} {StorageIndex} ({Bytes} bytes): its last lease expired at {Expired:o}, past the grace period")]
    public static partial void Collected(ILogger logger, string kind, string storageIndex, long bytes, DateTimeOffset expired);

    [LoggerMessage(1302, LogLevel.Information, "Garbage collection pass examined {Buckets} buckets and removed {Removed}{DryRun}")]
    public static partial void CollectionPass(ILogger logger, int buckets, int removed, string dryRun);

    [LoggerMessage(1303, LogLevel.Information, "Garbage collection (dry run) would remove {Kind} {StorageIndex} ({Bytes} bytes): its last lease expired at {Expired:o}, past the grace period")]
    public static partial void WouldCollect(ILogger logger, string kind, string storageIndex, long bytes, DateTimeOffset expired);

    [LoggerMessage(1401, LogLevel.Warning, "Rejected request {Method} {Path}: {Status} {Reason}")]
    public static partial void Rejected(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(1402, LogLevel.Error, "Disk error serving {Method} {Path}")]
    public static partial void DiskError(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(1501, LogLevel.Information, "Registered with hub {Hub} as farmer {Address} (height {Height}); announced {Url}")]
    public static partial void HubJoined(ILogger logger, string hub, string address, int height, string url);

    [LoggerMessage(1502, LogLevel.Warning, "Hub {Hub}: {Problem}; trying again in {Seconds} s")]
    public static partial void HubTrouble(ILogger logger, string hub, string problem, int seconds);

    [LoggerMessage(1503, LogLevel.Information, "Hub {Hub} answers again")]
    public static partial void HubBack(ILogger logger, string hub);

    [LoggerMessage(1504, LogLevel.Information, "Hub {Hub}: registered a downstream token for farming address {Address}")]
    public static partial void FarmRegistered(ILogger logger, string hub, string address);

    [LoggerMessage(1505, LogLevel.Information, "Hub {Hub}: took contract {Contract} ({Bytes} bytes)")]
    public static partial void FarmContractTaken(ILogger logger, string hub, long contract, long bytes);

    [LoggerMessage(1506, LogLevel.Debug, "Hub {Hub}: answered the challenge of contract {Contract}")]
    public static partial void FarmAnswered(ILogger logger, string hub, long contract);

    [LoggerMessage(1507, LogLevel.Warning, "Hub {Hub}: dropped contract {Contract}: {Reason}")]
    public static partial void FarmContractDropped(ILogger logger, string hub, long contract, string reason);

    [LoggerMessage(1508, LogLevel.Information, "Hub {Hub} has no contract to give (holding {Held}); asking again in {Seconds} s")]
    public static partial void FarmNoContracts(ILogger logger, string hub, int held, int seconds);

    [LoggerMessage(1509, LogLevel.Warning, "Hub {Hub}: no room for contract {Contract} ({Bytes} bytes); it is left to expire")]
    public static partial void FarmNoRoom(ILogger logger, string hub, long contract, long bytes);

    [LoggerMessage(1510, LogLevel.Warning, "Hub {Hub} no longer knows this node's downstream token; dropping {Held} contracts and registering again")]
    public static partial void FarmTokenLost(ILogger logger, string hub, int held);
}
