using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Granary.Storage.Tests;

/// <summary>Keeps every formatted log message of a node, with its event id, for tests to read.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<(int EventId, string Message)> _entries = new();

    public IReadOnlyList<(int EventId, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(_entries);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(int, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((eventId.Id, formatter(state, exception)));
    }
}
