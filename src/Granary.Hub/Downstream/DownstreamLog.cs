using Microsoft.Extensions.Logging;

namespace Granary.Hub.Downstream;

internal static partial class DownstreamLog
{
    [LoggerMessage(2201, LogLevel.Information, "Downstream farmer {FarmerId} registered {Address} from {Ip}")]
    public static partial void Registered(ILogger logger, string farmerId, string address, string ip);

    [LoggerMessage(2202, LogLevel.Information, "Downstream farmer {FarmerId} took {Count} contracts of {Size} bytes")]
    public static partial void ContractsMade(ILogger logger, string farmerId, int count, long size);
}
