using Microsoft.Extensions.Logging;

namespace Granary.Gateway;

internal static partial class GatewayLog
{
    [LoggerMessage(4001, LogLevel.Information, "Gateway serving {Url} with {Servers} storage servers")]
    public static partial void Serving(ILogger logger, string url, int servers);

    [LoggerMessage(4006, LogLevel.Warning, "A new {Kind} was not handed to a hub to keep: {Reason}")]
    public static partial void NotKept(ILogger logger, string kind, string reason);

    [LoggerMessage(4002, LogLevel.Warning, "Finding the grid again failed (keeping the servers found before): {Reason}")]
    public static partial void RefreshFailed(ILogger logger, string reason);

    [LoggerMessage(4003, LogLevel.Error, "Unexpected error answering {Method} {Path}")]
    public static partial void Unexpected(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(4004, LogLevel.Warning, "{Method} {Path}: {Status} {Reason}")]
    public static partial void GridTrouble(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(4005, LogLevel.Warning, "Refused {Method} {Path} from another origin ({Origin})")]
    public static partial void CrossOrigin(ILogger logger, string method, string path, string origin);
}
