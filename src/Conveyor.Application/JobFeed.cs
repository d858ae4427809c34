using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Application;

/// <summary>
/// Live views of jobs (the SSE stream, the dashboard's pages) for this node: one poller asks the store, every
/// <see cref="JobFeedOptions.PollInterval"/>, which of all the jobs watched here changed (one statement, whatever the
/// number of views), and fans each change out to the views that watch it. The store is the signal, so a change made on
/// any node reaches every node's views. With nothing watched, nothing is polled.
/// </summary>
public sealed class JobFeed : IAsyncDisposable
{
    /// <summary>Ids per statement: SQLite binds at most 32,766 parameters.</summary>
    private const int IdsPerPoll = 10_000;

    private readonly IJobReader _reader;
    private readonly TimeProvider _time;
    private readonly JobFeedOptions _options;
    private readonly ILogger<JobFeed> _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, List<Subscription>> _byJob = [];
    private readonly SemaphoreSlim _watched = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private DateTimeOffset _lastPoll;

    public JobFeed(IJobReader reader, TimeProvider time, JobFeedOptions options, ILogger<JobFeed> logger)
    {
        _reader = reader;
        _time = time;
        _options = options;
        _logger = logger;
        _lastPoll = time.GetUtcNow();
    }

    /// <summary>How many job ids this node's views watch now.</summary>
    public int WatchedJobs
    {
        get
        {
            lock (_lock) return _byJob.Count;
        }
    }

    /// <summary>
    /// The job as it is now, then each change of it, ending after the first terminal state (succeeded, failed,
    /// cancelled). Nothing when there is no such job. A slow reader skips intermediate states, never the last one.
    /// </summary>
    public async IAsyncEnumerable<Job> WatchAsync(Guid id, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var subscription = Subscribe([id]);
        var current = await _reader.GetAsync(id, ct);
        if (current is null) yield break;
        subscription.Seen(current);
        yield return current;
        if (IsTerminal(current.Status)) yield break;
        var last = current.UpdatedAt;
        await foreach (var job in subscription.ReadAllAsync(ct))
        {
            // A poll that ran between the subscription and the read above may have queued an older state.
            if (job.UpdatedAt <= last) continue;
            last = job.UpdatedAt;
            yield return job;
            if (IsTerminal(job.Status)) yield break;
        }
    }

    /// <summary>
    /// Each change of any of <paramref name="ids"/> (a page of the queue, a session's jobs) until <paramref name="ct"/>
    /// ends; changes made after this call, as the jobs read then stood (<c>updated_at</c> later than
    /// <paramref name="after"/>, when given, or than when the watch began).
    /// </summary>
    public async IAsyncEnumerable<Job> WatchManyAsync(IReadOnlyCollection<Guid> ids, DateTimeOffset? after,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var subscription = Subscribe(ids, after ?? _time.GetUtcNow());
        await foreach (var job in subscription.ReadAllAsync(ct)) yield return job;
    }

    private static bool IsTerminal(JobStatus status) => status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    private Subscription Subscribe(IReadOnlyCollection<Guid> ids, DateTimeOffset? after = null)
    {
        var subscription = new Subscription(this, ids.Distinct().ToList(), after ?? DateTimeOffset.MinValue);
        var first = false;
        lock (_lock)
        {
            foreach (var id in subscription.Ids)
            {
                if (!_byJob.TryGetValue(id, out var list)) _byJob[id] = list = [];
                list.Add(subscription);
            }
            first = _loop is null;
            _loop ??= Task.Run(() => PollAsync(_stop.Token));
        }
        if (!first && _watched.CurrentCount == 0)
        {
            try
            {
                _watched.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
        return subscription;
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            foreach (var id in subscription.Ids)
            {
                if (!_byJob.TryGetValue(id, out var list)) continue;
                list.Remove(subscription);
                if (list.Count == 0) _byJob.Remove(id);
            }
        }
    }

    private async Task PollAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                Guid[] ids;
                lock (_lock) ids = [.. _byJob.Keys];
                if (ids.Length == 0)
                {
                    // Idle: sleep until a view subscribes (its wake-up is counted, so one given before this wait is kept).
                    await _watched.WaitAsync(ct);
                    continue;
                }
                await Task.Delay(_options.PollInterval, _time, ct);
                await PollOnceAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The store is away: the views keep waiting and the next poll asks again.
                _logger.LogWarning(e, "The job feed could not read changes; retrying in {Interval}", _options.PollInterval);
            }
        }
    }

    /// <summary>
    /// One poll: the watched jobs whose <c>updated_at</c> moved since the last poll, less <see cref="JobFeedOptions.Lag"/>
    /// (a transaction commits after it stamped its rows, and nodes' clocks differ a little); a view skips what it saw.
    /// </summary>
    public async Task PollOnceAsync(CancellationToken ct)
    {
        Guid[] ids;
        lock (_lock) ids = [.. _byJob.Keys];
        if (ids.Length == 0) return;
        var started = _time.GetUtcNow();
        var since = _lastPoll - _options.Lag;
        for (var start = 0; start < ids.Length; start += IdsPerPoll)
        {
            var changed = await _reader.ListChangedAsync(new ArraySegment<Guid>(ids, start, Math.Min(IdsPerPoll, ids.Length - start)), since, ct);
            foreach (var job in changed)
            {
                Subscription[] subscribers;
                lock (_lock) subscribers = _byJob.TryGetValue(job.Id, out var list) ? [.. list] : [];
                foreach (var subscriber in subscribers) subscriber.Offer(job);
            }
        }
        _lastPoll = started;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Task? loop;
        lock (_lock) loop = _loop;
        if (loop is not null) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        _watched.Dispose();
    }

    /// <summary>One view: the jobs it watches, the newest <c>updated_at</c> it was given of each, and its queue of changes.</summary>
    private sealed class Subscription(JobFeed feed, IReadOnlyList<Guid> ids, DateTimeOffset after) : IAsyncDisposable
    {
        private readonly Channel<Job> _changes = Channel.CreateBounded<Job>(new BoundedChannelOptions(16)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });

        private readonly Dictionary<Guid, DateTimeOffset> _seen = [];

        public IReadOnlyList<Guid> Ids { get; } = ids;

        public void Seen(Job job)
        {
            lock (_seen) _seen[job.Id] = job.UpdatedAt;
        }

        public void Offer(Job job)
        {
            lock (_seen)
            {
                var last = _seen.TryGetValue(job.Id, out var seen) ? seen : after;
                if (job.UpdatedAt <= last) return;
                _seen[job.Id] = job.UpdatedAt;
            }
            _changes.Writer.TryWrite(job);
        }

        public IAsyncEnumerable<Job> ReadAllAsync(CancellationToken ct) => _changes.Reader.ReadAllAsync(ct);

        public ValueTask DisposeAsync()
        {
            feed.Remove(this);
            _changes.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The live views' poller (<c>Conveyor:Streams</c>).</summary>
public sealed class JobFeedOptions
{
    public const string Section = "Conveyor:Streams";

    /// <summary>How often the node asks the store what changed among the jobs its views watch.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How far back each poll looks again: commit delay and clock difference between nodes.</summary>
    public TimeSpan Lag { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<string> Validate()
    {
        if (PollInterval < TimeSpan.FromMilliseconds(50) || PollInterval > TimeSpan.FromMinutes(1))
            yield return $"{Section}:PollInterval must be from 00:00:00.05 to 00:01:00.";
        if (Lag < TimeSpan.Zero || Lag > TimeSpan.FromMinutes(10)) yield return $"{Section}:Lag must be from 00:00:00 to 00:10:00.";
    }
}
