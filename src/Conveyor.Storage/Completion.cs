using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>How a handler ended: <see cref="JobOperation.Succeed"/>, <see cref="JobOperation.Fail"/>, <see cref="JobOperation.Discard"/> or <see cref="JobOperation.AcknowledgeCancel"/>.</summary>
/// <param name="Result">What a succeeded job produced (a JSON document), stored with its success.</param>
/// <param name="FollowUps">Jobs its success enqueues (the next stage of a pipeline), inserted in the transaction that records it.</param>
public sealed record Completion(Guid Id, JobOperation Operation, TransitionInput Input, ProgressUpdate? Progress = null,
    string? Result = null, IReadOnlyList<NewJob>? FollowUps = null)
{
    /// <summary>
    /// The attempt that ran, when known (a worker always says). An outcome applies only to that attempt: a job whose
    /// lease ran out while its handler lived, rescued and claimed again by the same process, is a newer attempt, and
    /// the stale handler's outcome (often the cancel its lost lease triggered) must not end it.
    /// </summary>
    public int? Attempt { get; init; }
}
