using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Conveyor.Workers;

/// <summary>
/// The workers' instruments on the <c>Conveyor</c> meter (exported by the host as Prometheus text at <c>/metrics</c> and by
/// OTLP): how long handlers run by type and outcome, attempts started, claim latency, records loaded, rescues.
/// </summary>
public sealed class WorkerMetrics
{
    /// <summary>The meter and activity source every Conveyor instrument and span belongs to.</summary>
    public const string Name = "Conveyor";

    /// <summary>The spans of jobs run by workers, each a child of the request that created the job.</summary>
    public static readonly ActivitySource Source = new(Name);

    private readonly Histogram<double> _runDuration;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _claimDuration;
    private readonly Counter<long> _recordsLoaded;
    private readonly Counter<long> _rescued;

    public WorkerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _runDuration = meter.CreateHistogram<double>("conveyor.job.run.duration", "s", "How long a job's handler ran, by type and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] });
        _attempts = meter.CreateCounter<long>("conveyor.job.attempts", "{attempt}", "Attempts started (claims), by type.");
        _claimDuration = meter.CreateHistogram<double>("conveyor.claim.duration", "s", "How long one claim statement took.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
        _recordsLoaded = meter.CreateCounter<long>("conveyor.records.loaded", "{record}", "Records loaded by jobs that succeeded, by type.");
        _rescued = meter.CreateCounter<long>("conveyor.jobs.rescued", "{job}", "Running jobs whose lease expired, rescued by the leader.");
    }

    public void Claimed(IReadOnlyList<Core.Job> jobs, TimeSpan took)
    {
        _claimDuration.Record(took.TotalSeconds);
        foreach (var job in jobs) _attempts.Add(1, new KeyValuePair<string, object?>("job.type", job.Type));
    }

    public void Ran(string type, string outcome, TimeSpan took, long recordsLoaded)
    {
        _runDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("job.type", type), new KeyValuePair<string, object?>("outcome", outcome));
        if (recordsLoaded > 0) _recordsLoaded.Add(recordsLoaded, new KeyValuePair<string, object?>("job.type", type));
    }

    public void Rescued(int count) => _rescued.Add(count);
}
