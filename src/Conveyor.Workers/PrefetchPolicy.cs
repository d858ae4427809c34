namespace Conveyor.Workers;

/// <summary>
/// How many jobs this process should hold: the workers plus the prefetch that recent job durations allow, as many
/// extra jobs as the workers would get through within <see cref="WorkerOptions.PrefetchWindow"/>. The one owner of
/// the moving average of job durations; until a job has finished, no prefetch.
/// </summary>
internal sealed class PrefetchPolicy(WorkerOptions options)
{
    private double _averageMilliseconds = double.NaN;

    /// <summary>The average job duration so far, if any job finished.</summary>
    public TimeSpan? AverageDuration
    {
        get
        {
            var average = Volatile.Read(ref _averageMilliseconds);
            return double.IsNaN(average) ? null : TimeSpan.FromMilliseconds(average);
        }
    }

    /// <summary>Workers plus prefetch, at most <see cref="WorkerOptions.MaxPrefetch"/> beyond the workers.</summary>
    public int Capacity()
    {
        var average = Volatile.Read(ref _averageMilliseconds);
        if (double.IsNaN(average) || options.MaxPrefetch == 0) return options.Count;
        var extra = options.Count * options.PrefetchWindow.TotalMilliseconds / Math.Max(average, 0.001);
        return options.Count + (int)Math.Min(options.MaxPrefetch, extra);
    }

    /// <summary>
    /// Folds one job's duration into the moving average (weight 1/16: a handful of jobs move it). Workers finishing
    /// at the same moment may overwrite each other's sample; an average of durations can afford that, a lock per job
    /// could not.
    /// </summary>
    public void Record(TimeSpan duration)
    {
        var sample = duration.TotalMilliseconds;
        var average = Volatile.Read(ref _averageMilliseconds);
        Volatile.Write(ref _averageMilliseconds, double.IsNaN(average) ? sample : average + (sample - average) / 16);
    }
}
