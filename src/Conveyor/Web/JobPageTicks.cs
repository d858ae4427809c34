using Conveyor.Application;
using Conveyor.Core;

namespace Conveyor.Web;

/// <summary>
/// When one open <c>/jobs/{id}</c> page renders again. A running job's bar moves four times a second (one read by id
/// each time); a job that just ended is read once a second for <see cref="Settle"/> more renders (its last log lines
/// reach the store with the worker's next flush, after its status); otherwise the page waits on the node's one
/// <see cref="JobFeed"/>, which asks the store for all its open pages' jobs in one statement a second, so a page whose job
/// stands still (queued, ended) reads nothing of its own.
/// </summary>
public sealed class JobPageTicks(JobFeed feed, TimeProvider time, Guid jobId) : IAsyncDisposable
{
    public static readonly TimeSpan RunningInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Renders once a second after the job ended, for the log lines flushed after its last status.</summary>
    public const int Settle = 5;

    private readonly CancellationTokenSource _stop = new();
    private readonly DateTimeOffset _since = time.GetUtcNow();
    private IAsyncEnumerator<Job>? _changes;
    private Task<bool>? _pending;
    private JobStatus? _last;
    private int _settle;

    /// <summary>What the last render read: decides how the next wait is made.</summary>
    public void Saw(JobStatus status)
    {
        if (_last is { } last && !IsTerminal(last) && IsTerminal(status)) _settle = Settle;
        _last = status;
    }

    /// <summary>Waits for the next render; false when the page went.</summary>
    public async Task<bool> WaitAsync(CancellationToken ct)
    {
        try
        {
            if (_last == JobStatus.Running || _settle > 0)
            {
                if (_last != JobStatus.Running) _settle--;
                await Task.Delay(_last == JobStatus.Running ? RunningInterval : LiveStream.Interval, time, ct);
                return true;
            }
            // Changes after the page was rendered first (updated_at later than then), a change during a timed wait included.
            _changes ??= feed.WatchManyAsync([jobId], _since, _stop.Token).GetAsyncEnumerator(_stop.Token);
            _pending ??= _changes.MoveNextAsync().AsTask();
            var changed = await _pending.WaitAsync(ct);
            _pending = null;
            return changed;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool IsTerminal(JobStatus status) => status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_pending is not null) await ((Task)_pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_changes is not null) await _changes.DisposeAsync();
        _stop.Dispose();
    }
}
