namespace Conveyor.Core;

/// <summary>
/// The outcome of one operation on one job: the status it ends in, the event to append
/// (exactly one when applied, none otherwise) and the side effects on the row.
/// </summary>
public sealed record TransitionResult
{
    public required TransitionKind Kind { get; init; }
    public required JobStatus From { get; init; }
    public required JobStatus To { get; init; }
    public string? EventType { get; init; }
    public string? Reason { get; init; }

    /// <summary>Set <c>cancel_requested_at</c> (a running job asked to stop).</summary>
    public bool RequestsCancel { get; init; }

    /// <summary>Clear the lease: the job leaves the worker that held it.</summary>
    public bool ClearsLease { get; init; }

    /// <summary>Give the job one more attempt when its attempts are used up (operator requeue).</summary>
    public bool GrantsAttempt { get; init; }

    /// <summary>The attempt counter goes back by one (a graceful hand-back does not use an attempt).</summary>
    public bool RefundsAttempt { get; init; }

    public bool IsApplied => Kind == TransitionKind.Applied;
    public bool IsTerminal => To is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    public static TransitionResult Applied(JobStatus from, JobStatus to, string eventType) =>
        new() { Kind = TransitionKind.Applied, From = from, To = to, EventType = eventType };

    public static TransitionResult NoOp(JobStatus status) =>
        new() { Kind = TransitionKind.NoOp, From = status, To = status };

    public static TransitionResult Rejected(JobStatus status, string reason) =>
        new() { Kind = TransitionKind.Rejected, From = status, To = status, Reason = reason };
}
