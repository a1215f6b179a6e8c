using Microsoft.Extensions.Logging;

namespace Granary.Dht;

internal static partial class DhtLog
{
    [LoggerMessage(3001, LogLevel.Information, "DHT node {NodeId} listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string nodeId, string endPoint);

    [LoggerMessage(3002, LogLevel.Information, "Joined the DHT through {Seeds}: {Contacts} contacts")]
    public static partial void Joined(ILogger logger, string seeds, int contacts);

    [LoggerMessage(3003, LogLevel.Warning, "A message handler failed")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(3004, LogLevel.Debug, "Relay to {Destination} dropped: {Reason}")]
    public static partial void RelayDropped(ILogger logger, string destination, string reason);

    [LoggerMessage(3005, LogLevel.Warning, "Maintenance failed")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);
}
