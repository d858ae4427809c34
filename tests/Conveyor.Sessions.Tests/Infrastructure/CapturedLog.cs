using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Conveyor.Sessions.Tests.Infrastructure;

/// <summary>A logger that keeps every message, so tests can check what reached the server log (and what did not).</summary>
public sealed class CapturedLog<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string All => string.Join("\n", _lines);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception?.Message}");
}
