namespace Conveyor.Workers;

/// <summary>
/// Takes a running job's counters as often as a handler likes; they reach the store in batches
/// (every <see cref="WorkerOptions.ProgressFlushInterval"/> and with the job's completion), never per call.
/// </summary>
public interface IProgressReporter
{
    void Report(long recordsProcessed, long recordsFailed = 0, long? recordsTotal = null);
}
