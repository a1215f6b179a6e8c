using Microsoft.Extensions.Logging;

namespace Granary.Hub.Keeper;

internal static partial class KeeperLog
{
    [LoggerMessage(2301, LogLevel.Information, "Keeping {StorageIndex} for {Client}: {Shares} shares on {Nodes} nodes")]
    public static partial void Kept(ILogger logger, string storageIndex, string client, int shares, int nodes);

    [LoggerMessage(2302, LogLevel.Information, "Forgot {StorageIndex} for {Client}")]
    public static partial void Forgot(ILogger logger, string storageIndex, string client);

    [LoggerMessage(2303, LogLevel.Information, "Audit pass: {Passed} passed, {Failed} failed")]
    public static partial void AuditPass(ILogger logger, int passed, int failed);

    [LoggerMessage(2304, LogLevel.Warning, "Node {NodeId} failed an audit of share {Share} of {StorageIndex}: {Reason}")]
    public static partial void AuditFailed(ILogger logger, string nodeId, int share, string storageIndex, string reason);

    [LoggerMessage(2305, LogLevel.Warning, "Node {NodeId} is now {Standing} (score {Score:F3}, {Passed} passed, {Failed} failed)")]
    public static partial void StandingChanged(ILogger logger, string nodeId, NodeStanding standing, double score, long passed, long failed);

    [LoggerMessage(2306, LogLevel.Warning, "Node {NodeId} is {State}")]
    public static partial void Reachability(ILogger logger, string nodeId, string state);

    [LoggerMessage(2307, LogLevel.Information, "Checker pass: {Files} files, {Below} below the repair threshold, {Leases} leases renewed")]
    public static partial void CheckerPass(ILogger logger, long files, int below, int leases);

    [LoggerMessage(2308, LogLevel.Information, "Repaired {StorageIndex}: {Made} shares made, {Healthy} healthy")]
    public static partial void Repaired(ILogger logger, string storageIndex, int made, int healthy);

    [LoggerMessage(2309, LogLevel.Warning, "Could not repair {StorageIndex}: {Reason}")]
    public static partial void RepairFailed(ILogger logger, string storageIndex, string reason);

    [LoggerMessage(2311, LogLevel.Warning, "Mutable file {StorageIndex} has {Healthy} of {Total} shares held and needs its owner to repair it with the write cap")]
    public static partial void MutableBelowThreshold(ILogger logger, string storageIndex, int healthy, int total);

    [LoggerMessage(2310, LogLevel.Error, "Keeper pass failed")]
    public static partial void PassFailed(ILogger logger, System.Exception exception);
}
