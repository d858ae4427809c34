using System.Threading.Channels;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Workers;

/// <summary>
/// The jobs this process holds a lease on, and where each one is: waiting here for a worker, running, finished
/// with its outcome on the way to the store, or stopped by a shutdown with no outcome. The one owner of that state:
/// the claim loop adds jobs, the executor starts and finishes them, the completer forgets them once their outcome is
/// written, the lease keeper extends them all and passes cancel requests on, and shutdown hands back what is left.
/// Every move happens under one lock, so a job is always in exactly one place.
/// </summary>
internal sealed class HeldJobs
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Held> _jobs = [];
    private readonly Channel<Job> _ready = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly WakeSignal _claimWake;
    private int _waiting;
    private int _running;
    private int _buffered;

    /// <param name="claimWake">Rung when a worker starts waiting and nothing is here for it.</param>
    public HeldJobs(WakeSignal claimWake) => _claimWake = claimWake;

    /// <summary>Claimed jobs waiting here for a free worker.</summary>
    public int BufferedCount => Volatile.Read(ref _buffered);

    /// <summary>Jobs whose handlers are running.</summary>
    public int RunningCount => Volatile.Read(ref _running);

    /// <summary>Workers waiting for a job.</summary>
    public int WaitingWorkers => Volatile.Read(ref _waiting);

    /// <summary>Every job held, in any place: the leases to keep.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _jobs.Count;
        }
    }

    /// <summary>
    /// Takes freshly claimed jobs; each waits here until a worker takes it. A job this process still holds from an
    /// earlier attempt lost that attempt's lease (it was rescued, then claimed here again): the new attempt replaces
    /// it, and a handler still running the old one is stopped without an outcome.
    /// </summary>
    public void Add(IReadOnlyList<Job> jobs)
    {
        if (jobs.Count == 0) return;
        List<Execution>? stale = null;
        lock (_lock)
        {
            foreach (var job in jobs)
            {
                if (_jobs.TryGetValue(job.Id, out var old))
                {
                    if (old.Place == Place.Waiting) _buffered--;
                    else if (old.Place == Place.Running) (stale ??= []).Add(old.Execution!);
                }
                _jobs[job.Id] = new Held(job);
            }
            _buffered += jobs.Count;
        }
        // Outside the lock, so the workers this wakes do not queue on it; each job is already in place to be taken.
        foreach (var job in jobs) _ready.Writer.TryWrite(job);
        foreach (var execution in stale ?? []) execution.Stop(StopReason.LeaseLost);
    }

    /// <summary>
    /// The next waiting job, now running; <c>null</c> when <paramref name="stopTaking"/> fired after the job was
    /// taken off the queue (it then stays waiting, and shutdown hands it back). A job whose cancel was requested
    /// while it waited starts already stopped.
    /// </summary>
    public async ValueTask<Execution?> TakeAsync(CancellationToken stopTaking)
    {
        while (true)
        {
            Interlocked.Increment(ref _waiting);
            Job job;
            try
            {
                if (BufferedCount == 0) _claimWake.Set();
                job = await _ready.Reader.ReadAsync(stopTaking);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }

            bool cancelRequested;
            Execution execution;
            lock (_lock)
            {
                if (stopTaking.IsCancellationRequested) return null;
                // An attempt replaced by a newer claim of the same job is no longer this process's to start.
                if (!_jobs.TryGetValue(job.Id, out var held) || !ReferenceEquals(held.Job, job) || held.Place != Place.Waiting) continue;
                execution = new Execution(job);
                held.Place = Place.Running;
                held.Execution = execution;
                cancelRequested = held.CancelRequested;
                _buffered--;
                _running++;
            }
            if (cancelRequested) execution.Stop(StopReason.CancelRequested);
            return execution;
        }
    }

    /// <summary>
    /// A handler ended. With an outcome the job waits for the completer (its lease still kept); without one (stopped
    /// by a shutdown) it waits to be handed back. A handler of an attempt a newer claim replaced only frees its worker.
    /// </summary>
    public void Finish(Execution execution, bool hasOutcome)
    {
        lock (_lock)
        {
            _running--;
            if (!_jobs.TryGetValue(execution.Job.Id, out var held) || held.Execution != execution) return;
            held.Place = hasOutcome ? Place.Completing : Place.Stopped;
            held.Execution = null;
        }
    }

    /// <summary>An outcome the completer would not take (it closed at shutdown): the job is handed back instead.</summary>
    public void Abandon(Guid id)
    {
        lock (_lock)
        {
            if (_jobs.TryGetValue(id, out var held) && held.Place == Place.Completing) held.Place = Place.Stopped;
        }
    }

    /// <summary>The outcomes of these jobs are in the store: they are no longer this process's to keep.</summary>
    public void Forget(IReadOnlyList<Completion> written)
    {
        lock (_lock)
        {
            foreach (var completion in written)
            {
                if (_jobs.TryGetValue(completion.Id, out var held) && held.Place == Place.Completing
                    && (completion.Attempt is not { } attempt || attempt == held.Job.Attempt)) _jobs.Remove(completion.Id);
            }
        }
    }

    /// <summary>The ids of every job held, whatever its place: the leases to extend.</summary>
    public IReadOnlyList<Guid> LeasedIds()
    {
        lock (_lock) return [.. _jobs.Keys];
    }

    /// <summary>Every job held, with the attempt held of it (what a heartbeat covers).</summary>
    public IReadOnlyDictionary<Guid, int> LeasedAttempts()
    {
        lock (_lock) return _jobs.ToDictionary(p => p.Key, p => p.Value.Job.Attempt);
    }

    /// <summary>
    /// Someone asked to cancel <paramref name="id"/> (or its lease moved on): a running handler's token is cancelled,
    /// a waiting job will start stopped. Returns what was stopped: <c>true</c> only for a running handler told now.
    /// </summary>
    /// <remarks>
    /// With <paramref name="attempt"/>, only that attempt is stopped: a heartbeat's answer names the jobs it found no
    /// longer leased here as they were when it was sent, and one of them may since have been rescued and claimed here
    /// again, a newer attempt the answer says nothing about.
    /// </remarks>
    public bool RequestCancel(Guid id, int? attempt = null)
    {
        Execution? running = null;
        lock (_lock)
        {
            if (!_jobs.TryGetValue(id, out var held)) return false;
            if (attempt is { } covered && held.Job.Attempt != covered) return false;
            if (held.Place == Place.Waiting) held.CancelRequested = true;
            else if (held.Place == Place.Running && held.Execution!.StopReason == StopReason.None) running = held.Execution;
        }
        // Outside the lock: cancelling runs the handler's callbacks.
        running?.Stop(StopReason.CancelRequested);
        return running is not null;
    }

    /// <summary>The handlers running now (for progress and for stopping them at shutdown).</summary>
    public IReadOnlyList<Execution> Running()
    {
        lock (_lock) return [.. _jobs.Values.Where(h => h.Place == Place.Running).Select(h => h.Execution!)];
    }

    /// <summary>What shutdown hands back: jobs never started, handlers still running, and handlers stopped without an outcome.</summary>
    public IReadOnlyList<Guid> Unfinished()
    {
        lock (_lock) return [.. _jobs.Where(p => p.Value.Place != Place.Completing).Select(p => p.Key)];
    }

    private enum Place
    {
        Waiting,
        Running,
        Completing,
        Stopped,
    }

    private sealed class Held(Job job)
    {
        /// <summary>The attempt held: the job as its claim returned it.</summary>
        public Job Job { get; } = job;

        public Place Place { get; set; } = Place.Waiting;
        public Execution? Execution { get; set; }
        public bool CancelRequested { get; set; }
    }
}
