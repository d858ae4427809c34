using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>The queue as workers see it: claim, keep leases, record outcomes and progress, hand jobs back, wake up.</summary>
public interface IJobQueue
{
    /// <summary>Claims up to <paramref name="max"/> due jobs for <paramref name="owner"/> in one statement.</summary>
    Task<IReadOnlyList<Job>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken ct);

    /// <summary>
    /// Extends the leases <paramref name="owner"/> holds; returns the jobs to stop, in the order asked, each with its reason:
    /// no longer leased by <paramref name="owner"/>, or cancel requested.
    /// </summary>
    Task<IReadOnlyList<LeaseStop>> HeartbeatAsync(string owner, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken ct);

    /// <summary>
    /// Records how handlers ended, in one transaction; jobs no longer leased by <paramref name="owner"/>, and outcomes of
    /// an attempt other than the job's current one (<see cref="Completion.Attempt"/>), are skipped.
    /// </summary>
    Task<int> CompleteAsync(string owner, IReadOnlyList<Completion> completions, CancellationToken ct);

    /// <summary>Writes progress counters of running jobs in one transaction.</summary>
    Task FlushProgressAsync(IReadOnlyList<ProgressUpdate> updates, CancellationToken ct);

    /// <summary>Hands unfinished jobs back to the queue on graceful shutdown.</summary>
    Task<int> ReleaseAsync(string owner, IReadOnlyCollection<Guid> ids, CancellationToken ct);

    /// <summary>Subscribes to "new work is due" signals (LISTEN/NOTIFY, or in-process).</summary>
    Task<IQueueSignal> SubscribeAsync(CancellationToken ct);
}
