using Microsoft.Extensions.Logging;

namespace Granary.Hub;

internal static partial class HubLog
{
    [LoggerMessage(2001, LogLevel.Information, "Hub {Address} serving {Url} on {Database}")]
    public static partial void Serving(ILogger logger, string address, string url, string database);

    [LoggerMessage(2002, LogLevel.Error, "Database error answering {Method} {Path}")]
    public static partial void DatabaseError(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(2003, LogLevel.Error, "Unexpected error answering {Method} {Path}")]
    public static partial void Unexpected(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(2101, LogLevel.Information, "Node {NodeId} announced {Host}:{Port} (sequence {Sequence}, {Available} of {Capacity} bytes free)")]
    public static partial void Announced(ILogger logger, string nodeId, string host, int port, long sequence, long available, long capacity);

    [LoggerMessage(2102, LogLevel.Warning, "Refused an announcement: {Reason}")]
    public static partial void AnnouncementRefused(ILogger logger, string reason);
}
