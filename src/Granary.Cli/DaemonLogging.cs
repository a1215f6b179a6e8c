using Microsoft.Extensions.Logging;

namespace Granary.Cli;

/// <summary>
/// How a long-running command (a node, a hub) logs: one line per event to standard error, or to
/// the file <c>GRANARY_LOG_FILE</c> names (what <c>granary grid up</c> gives its children, so no
/// pipe can fill up and stall them). Framework chatter below warnings is dropped.
/// </summary>
internal static class DaemonLogging
{
    public static void Configure(ILoggingBuilder logging)
    {
        var logFile = Environment.GetEnvironmentVariable("GRANARY_LOG_FILE");
        if (logFile is { Length: > 0 })
        {
            logging.AddProvider(new FileLoggerProvider(logFile));
        }
        else
        {
            logging.AddSimpleConsole(console => console.SingleLine = true)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Microsoft.Hosting", LogLevel.Warning);
    }
}
