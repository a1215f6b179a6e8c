using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Granary.Cli;

/// <summary>
/// How a long-running command (a node, a hub) runs, and how a command that started some stops
/// them: one line per log event to standard error or to <c>GRANARY_LOG_FILE</c>; the URL it serves
/// as its first line of standard output; serving until Ctrl-C or SIGTERM; SIGTERM, then a kill if
/// one does not stop in time.
/// </summary>
internal static class Daemon
{
    /// <summary>
    /// Logging for a daemon: to the file <c>GRANARY_LOG_FILE</c> names (what <c>granary grid up</c>
    /// gives its children, so no pipe can fill up and stall them), else to standard error.
    /// Framework chatter below warnings is dropped.
    /// </summary>
    public static void ConfigureLogging(ILoggingBuilder logging)
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

    /// <summary>
    /// Starts <paramref name="app"/>, prints its URL, starts its <paramref name="companion"/> (if
    /// any: something that needs the app up, stopped before it), serves until cancelled, then stops.
    /// </summary>
    public static async Task<int> ServeAsync(
        CommandContext context, WebApplication app, string listenAddress, Func<string> url, CancellationToken cancellationToken, Func<IAsyncDisposable?>? companion = null)
    {
        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e)
            {
                throw new IOException($"cannot listen on {listenAddress}: {e.Message}", e);
            }

            await context.Output.WriteLineAsync(url());
            await context.Output.FlushAsync(cancellationToken);
            var running = companion?.Invoke();
            try
            {
                await app.WaitForShutdownAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            if (running is not null)
            {
                await running.DisposeAsync();
            }

            await app.StopAsync(CancellationToken.None);
        }

        return GranaryCli.Success;
    }

    /// <summary>Sends every process SIGTERM at once, then kills each one still running after <paramref name="grace"/>.</summary>
    public static async Task StopAllAsync(IEnumerable<Process> processes, TimeSpan grace)
    {
        var running = processes.Where(p => !p.HasExited).ToList();
        foreach (var process in running)
        {
            Signals.Terminate(process.Id);
        }

        using var deadline = new CancellationTokenSource(grace);
        foreach (var process in running)
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
