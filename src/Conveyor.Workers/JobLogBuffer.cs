using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// The lines handlers logged for their jobs since the last flush, at most <see cref="WorkerOptions.LogLinesPerJob"/> per job
/// (a handler logging in a tight loop loses its oldest lines here already, as the store would drop them).
/// </summary>
internal sealed class JobLogBuffer(int keepPerJob)
{
    /// <summary>Longest message kept; a longer one is cut and marked.</summary>
    public const int MaxMessageLength = 2000;

    private readonly Lock _lock = new();
    private Dictionary<Guid, Queue<JobLogLine>> _lines = [];
    private Dictionary<Guid, long> _dropped = [];

    public int KeepPerJob => keepPerJob;

    public void Add(JobLogLine line)
    {
        if (keepPerJob <= 0) return;
        lock (_lock)
        {
            if (!_lines.TryGetValue(line.JobId, out var queue)) _lines[line.JobId] = queue = new Queue<JobLogLine>();
            if (queue.Count >= keepPerJob)
            {
                var oldest = queue.Dequeue();
                _dropped[line.JobId] = _dropped.GetValueOrDefault(line.JobId) + oldest.SkippedBefore + 1;
            }
            queue.Enqueue(line);
        }
    }

    /// <summary>Everything buffered, in order per job; the buffer starts empty again.</summary>
    public IReadOnlyList<JobLogLine> Drain()
    {
        Dictionary<Guid, Queue<JobLogLine>> taken;
        Dictionary<Guid, long> dropped;
        lock (_lock)
        {
            if (_lines.Count == 0) return [];
            (taken, dropped) = (_lines, _dropped);
            (_lines, _dropped) = ([], []);
        }
        var lines = new List<JobLogLine>();
        foreach (var (job, queue) in taken)
        {
            var first = true;
            foreach (var line in queue)
            {
                lines.Add(first && dropped.TryGetValue(job, out var skipped) ? line with { SkippedBefore = line.SkippedBefore + skipped } : line);
                first = false;
            }
        }
        return lines;
    }

    /// <summary>The line as stored: the formatted message, and for an exception its type and safe message (never its stack).</summary>
    public static string Format(string message, Exception? exception)
    {
        if (exception is not null) message = $"{message} ({exception.GetType().Name}: {SafeError.Sanitize(exception.Message)})";
        return message.Length <= MaxMessageLength ? message : message[..(MaxMessageLength - 1)] + "…";
    }
}

/// <summary>
/// The logger a handler gets for one job: everything goes to the server's log as before, and lines at Information and above
/// also go to the job's own log.
/// </summary>
internal sealed class JobLogger(ILogger inner, JobLogBuffer buffer, Job job, TimeProvider time) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information || inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (inner.IsEnabled(logLevel)) inner.Log(logLevel, eventId, state, exception, formatter);
        if (logLevel < LogLevel.Information || logLevel == LogLevel.None) return;
        buffer.Add(new JobLogLine(job.Id, time.GetUtcNow(), job.Attempt, Level(logLevel), JobLogBuffer.Format(formatter(state, exception), exception)));
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Information => "information",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };
}
