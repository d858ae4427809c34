using System.Diagnostics.Metrics;
using Conveyor.Storage;
using Conveyor.Workers;

namespace Conveyor.Telemetry;

/// <summary>
/// The gauges read from the store when <c>/metrics</c> is scraped: jobs by type and status, due queued jobs by type, and
/// the age of the oldest of them. One read serves every gauge of a scrape (it is kept for a second).
/// </summary>
public sealed class StoreMetrics
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private readonly IJobStatistics _store;
    private readonly TimeProvider _time;
    private readonly ILogger<StoreMetrics> _logger;
    private readonly Lock _lock = new();
    private (JobStatistics Stats, long At)? _last;

    public StoreMetrics(IJobStatistics store, TimeProvider time, IMeterFactory meters, ILogger<StoreMetrics> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        var meter = meters.Create(WorkerMetrics.Name);
        meter.CreateObservableGauge("conveyor.jobs", () => Read()?.Counts.Select(c =>
            new Measurement<long>(c.Count, new("job.type", c.Type), new("status", c.Status))) ?? [], "{job}", "Jobs in the store, by type and status.");
        meter.CreateObservableGauge("conveyor.queue.depth", () => Read()?.Queues.Select(q =>
            new Measurement<long>(q.Due, new KeyValuePair<string, object?>("job.type", q.Type))) ?? [], "{job}", "Queued jobs that are due, by type.");
        meter.CreateObservableGauge("conveyor.queue.oldest_age", () => Read() is { } s
            ? s.Queues.Select(q => new Measurement<double>(Math.Max(0, (_time.GetUtcNow() - q.OldestDueSince).TotalSeconds),
                new KeyValuePair<string, object?>("job.type", q.Type)))
            : [], "s", "How long the oldest due queued job of each type has waited.");
    }

    /// <summary>The snapshot of this scrape; null (no measurements) when the store does not answer.</summary>
    private JobStatistics? Read()
    {
        lock (_lock)
        {
            if (_last is { } last && _time.GetElapsedTime(last.At) < Fresh) return last.Stats;
            try
            {
                using var timeout = new CancellationTokenSource(ReadTimeout);
                var stats = _store.ReadJobStatisticsAsync(_time.GetUtcNow(), timeout.Token).GetAwaiter().GetResult();
                _last = (stats, _time.GetTimestamp());
                return stats;
            }
            catch (Exception e)
            {
                TelemetryLog.StoreUnreadable(_logger, e);
                return null;
            }
        }
    }
}
