using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Workers.Tests.Infrastructure;

/// <summary>
/// The queue in memory, for the worker services' tests: jobs are claimed in the order they were added, leases are
/// real (an owner, an expiry on the test's clock), and every call is recorded so a test can say what was claimed,
/// extended, completed, flushed and released. A test can make the next writes fail, or hold a complete call open.
/// </summary>
public sealed class InMemoryJobQueue(TimeProvider time) : IJobQueue
{
    private readonly Lock _lock = new();
    private readonly List<Job> _queued = [];
    private readonly Dictionary<Guid, Job> _leased = [];
    private readonly HashSet<Guid> _cancelRequested = [];
    private readonly QueueSignalHub _signals = new();
    private readonly List<ClaimCall> _claims = [];
    private readonly List<HeartbeatCall> _heartbeats = [];
    private readonly List<IReadOnlyList<Completion>> _completions = [];
    private readonly List<IReadOnlyList<ProgressUpdate>> _progress = [];
    private readonly List<IReadOnlyList<Guid>> _releases = [];
    private int _failingCompletes;
    private int _failingClaims;
    private TaskCompletionSource? _completeGate;

    public IReadOnlyList<ClaimCall> Claims { get { lock (_lock) return [.. _claims]; } }
    public IReadOnlyList<HeartbeatCall> Heartbeats { get { lock (_lock) return [.. _heartbeats]; } }
    public IReadOnlyList<IReadOnlyList<Completion>> CompletionBatches { get { lock (_lock) return [.. _completions]; } }
    public IReadOnlyList<Completion> Completions { get { lock (_lock) return [.. _completions.SelectMany(b => b)]; } }
    public IReadOnlyList<IReadOnlyList<ProgressUpdate>> ProgressFlushes { get { lock (_lock) return [.. _progress]; } }
    public IReadOnlyList<IReadOnlyList<Guid>> Releases { get { lock (_lock) return [.. _releases]; } }
    public int QueuedCount { get { lock (_lock) return _queued.Count; } }

    /// <summary>Jobs made due, with the wake-up the store would send.</summary>
    public IReadOnlyList<Job> Enqueue(params Job[] jobs)
    {
        EnqueueQuietly(jobs);
        _signals.Signal();
        return jobs;
    }

    /// <summary>Jobs made due without a wake-up (a lost NOTIFY): only the slow poll finds them.</summary>
    public void EnqueueQuietly(params Job[] jobs)
    {
        lock (_lock) _queued.AddRange(jobs);
    }

    /// <summary>An operator's cancel: the next heartbeat that carries the job returns it.</summary>
    public void RequestCancel(Guid id)
    {
        lock (_lock) _cancelRequested.Add(id);
    }

    /// <summary>The sweeper's rescue of a job whose lease expired: its worker no longer holds it.</summary>
    public void Rescue(Guid id)
    {
        lock (_lock) _leased.Remove(id);
    }

    /// <summary>The next <paramref name="count"/> complete calls throw, as a lost connection would.</summary>
    public void FailNextCompletes(int count) => Interlocked.Exchange(ref _failingCompletes, count);

    /// <summary>The next <paramref name="count"/> claims throw.</summary>
    public void FailNextClaims(int count) => Interlocked.Exchange(ref _failingClaims, count);

    /// <summary>Complete calls wait (after recording their batch) until <see cref="OpenCompletes"/>.</summary>
    public void HoldCompletes()
    {
        lock (_lock) _completeGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void OpenCompletes()
    {
        TaskCompletionSource? gate;
        lock (_lock)
        {
            gate = _completeGate;
            _completeGate = null;
        }
        gate?.TrySetResult();
    }

    public DateTimeOffset? LeaseExpiry(Guid id)
    {
        lock (_lock) return _leased.GetValueOrDefault(id)?.LeaseExpiresAt;
    }

    public Task<IReadOnlyList<Job>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_failingClaims > 0)
            {
                _failingClaims--;
                _claims.Add(new ClaimCall(owner, max, lease, []));
                throw new InvalidOperationException("The claim failed.");
            }
            var now = time.GetUtcNow();
            var claimed = _queued.Take(max).Select(j => j with
            {
                Status = JobStatus.Running, Attempt = j.Attempt + 1, LeaseOwner = owner, LeaseExpiresAt = now + lease, StartedAt = now,
            }).ToList();
            _queued.RemoveRange(0, claimed.Count);
            foreach (var job in claimed) _leased[job.Id] = job;
            _claims.Add(new ClaimCall(owner, max, lease, [.. claimed.Select(j => j.Id)]));
            return Task.FromResult<IReadOnlyList<Job>>(claimed);
        }
    }

    public Task<IReadOnlyList<LeaseStop>> HeartbeatAsync(string owner, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken ct)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            _heartbeats.Add(new HeartbeatCall(owner, [.. ids], lease, now));
            var stop = new List<LeaseStop>();
            foreach (var id in ids)
            {
                if (!_leased.TryGetValue(id, out var job) || job.LeaseOwner != owner)
                {
                    stop.Add(LeaseStop.Lost(id));
                    continue;
                }
                _leased[id] = job with { LeaseExpiresAt = now + lease };
                if (_cancelRequested.Contains(id)) stop.Add(LeaseStop.Cancel(id));
            }
            return Task.FromResult<IReadOnlyList<LeaseStop>>(stop);
        }
    }

    public async Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct)
    {
        Task gate;
        lock (_lock)
        {
            if (_failingCompletes > 0)
            {
                _failingCompletes--;
                throw new InvalidOperationException("The connection was lost.");
            }
            _completions.Add([.. completions]);
            gate = _completeGate?.Task ?? Task.CompletedTask;
        }
        await gate.WaitAsync(ct);
        lock (_lock)
        {
            var written = 0;
            foreach (var completion in completions)
            {
                if (_leased.TryGetValue(completion.Id, out var job) && job.LeaseOwner == owner && _leased.Remove(completion.Id)) written++;
            }
            return written;
        }
    }

    public Task FlushProgressAsync(IReadOnlyList<ProgressUpdate> updates, CancellationToken ct)
    {
        lock (_lock) _progress.Add([.. updates]);
        return Task.CompletedTask;
    }

    public Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        lock (_lock)
        {
            _releases.Add([.. ids]);
            var released = 0;
            foreach (var id in ids)
            {
                if (!_leased.Remove(id, out var job) || job.LeaseOwner != owner) continue;
                _queued.Add(job with { Status = JobStatus.Queued, Attempt = job.Attempt - 1, LeaseOwner = null, LeaseExpiresAt = null });
                released++;
            }
            return Task.FromResult(released);
        }
    }

    public Task<IQueueSignal> SubscribeAsync(CancellationToken ct) => Task.FromResult(_signals.Subscribe());

    public sealed record ClaimCall(string Owner, int Max, TimeSpan Lease, IReadOnlyList<Guid> Claimed);

    public sealed record HeartbeatCall(string Owner, IReadOnlyList<Guid> Ids, TimeSpan Lease, DateTimeOffset At);
}
