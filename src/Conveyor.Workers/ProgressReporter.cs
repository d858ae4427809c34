using Conveyor.Storage;

namespace Conveyor.Workers;

/// <summary>Holds the latest counters of one job until the flusher or the completer takes them.</summary>
internal sealed class ProgressReporter(Guid jobId) : IProgressReporter
{
    private readonly Lock _lock = new();
    private ProgressUpdate? _latest;
    private bool _dirty;

    public void Report(long recordsProcessed, long recordsFailed = 0, long? recordsTotal = null)
    {
        lock (_lock)
        {
            _latest = new ProgressUpdate(jobId, recordsProcessed, recordsFailed, recordsTotal);
            _dirty = true;
        }
    }

    /// <summary>The counters reported since the last call, if any.</summary>
    public ProgressUpdate? TakeIfChanged()
    {
        lock (_lock)
        {
            if (!_dirty) return null;
            _dirty = false;
            return _latest;
        }
    }

    /// <summary>The latest counters, for the completion record.</summary>
    public ProgressUpdate? Latest
    {
        get
        {
            lock (_lock) return _latest;
        }
    }
}
