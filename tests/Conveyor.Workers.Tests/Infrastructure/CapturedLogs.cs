using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers.Tests.Infrastructure;

/// <summary>A logger factory that keeps every line of every category (category, level, message), for tests of what the services say.</summary>
public sealed class CapturedLogs : ILoggerFactory
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message)> _lines = new();

    public IReadOnlyList<(string Category, LogLevel Level, string Message)> Lines => [.. _lines];

    public IReadOnlyList<string> Messages => [.. _lines.Select(l => l.Message)];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("Captured logs take no providers.");

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
