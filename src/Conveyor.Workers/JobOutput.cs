using Conveyor.Storage;

namespace Conveyor.Workers;

/// <summary>
/// What a handler's success records, in the transaction that records it: the job's result (a JSON document, read back
/// with <see cref="ISessionStore.GetResultAsync"/>) and the jobs it enqueues next. If the attempt fails, is cancelled or
/// loses its lease, none of it is written, so a follow-up is enqueued once however often the job is rescued or retried.
/// </summary>
public sealed class JobOutput
{
    private List<NewJob>? _followUps;

    /// <summary>The job's result as JSON; null records none.</summary>
    public string? Result { get; set; }

    public IReadOnlyList<NewJob> FollowUps => (IReadOnlyList<NewJob>?)_followUps ?? [];

    /// <summary>Enqueues <paramref name="job"/> when (and only when) this job's success is recorded.</summary>
    public void Enqueue(NewJob job) => (_followUps ??= []).Add(job);
}
