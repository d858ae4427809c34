namespace Conveyor.Core;

/// <summary>
/// The job status machine of SPEC §2 as a pure function: no I/O, no clock. Drivers load the
/// row, ask <see cref="Decide"/>, and write exactly what it says in one transaction.
/// </summary>
public static class StatusMachine
{
    public const string CancelRefused = "Only queued or running jobs can be cancelled.";
    public const string RetryRefused = "Only failed jobs can be retried.";
    public const string NotQueued = "Only queued jobs can be claimed.";
    public const string NotRunning = "Only running jobs can finish.";
    public const string WorkerLost = "Worker lost: the job's lease expired before it finished.";

    public static TransitionResult Decide(JobSnapshot job, JobOperation operation)
    {
        var s = job.Status;
        return operation switch
        {
            JobOperation.Cancel => s switch
            {
                JobStatus.Queued => TransitionResult.Applied(s, JobStatus.Cancelled, JobEventTypes.Cancelled),
                JobStatus.Running when job.CancelRequested => TransitionResult.NoOp(s),
                JobStatus.Running => TransitionResult.Applied(s, JobStatus.Running, JobEventTypes.CancelRequested)
                    with { RequestsCancel = true },
                JobStatus.Cancelled => TransitionResult.NoOp(s),
                _ => TransitionResult.Rejected(s, CancelRefused),
            },
            JobOperation.Requeue => s switch
            {
                JobStatus.Failed => TransitionResult.Applied(s, JobStatus.Queued, JobEventTypes.Requeued)
                    with { GrantsAttempt = !job.AttemptsRemain },
                JobStatus.Queued or JobStatus.Running => TransitionResult.NoOp(s),
                _ => TransitionResult.Rejected(s, RetryRefused),
            },
            JobOperation.RetryAsNew => s switch
            {
                JobStatus.Failed when job.HasRetry => TransitionResult.NoOp(s),
                JobStatus.Failed => TransitionResult.Applied(s, JobStatus.Failed, JobEventTypes.RetriedAsNew),
                _ => TransitionResult.Rejected(s, RetryRefused),
            },
            JobOperation.Claim => s == JobStatus.Queued
                ? TransitionResult.Applied(s, JobStatus.Running, JobEventTypes.Started)
                : TransitionResult.Rejected(s, NotQueued),
            JobOperation.Succeed => Finish(job, JobStatus.Succeeded, JobEventTypes.Succeeded),
            JobOperation.Fail => s != JobStatus.Running
                ? TransitionResult.Rejected(s, NotRunning)
                : job.CancelRequested
                    ? Finish(job, JobStatus.Cancelled, JobEventTypes.Cancelled)
                    : job.AttemptsRemain
                        ? Finish(job, JobStatus.Queued, JobEventTypes.RetryScheduled)
                        : Finish(job, JobStatus.Failed, JobEventTypes.Failed),
            JobOperation.Discard => s != JobStatus.Running
                ? TransitionResult.Rejected(s, NotRunning)
                : job.CancelRequested
                    ? Finish(job, JobStatus.Cancelled, JobEventTypes.Cancelled)
                    : Finish(job, JobStatus.Failed, JobEventTypes.Failed),
            JobOperation.AcknowledgeCancel => Finish(job, JobStatus.Cancelled, JobEventTypes.Cancelled),
            JobOperation.Rescue => s != JobStatus.Running
                ? TransitionResult.Rejected(s, NotRunning)
                : job.CancelRequested
                    ? Finish(job, JobStatus.Cancelled, JobEventTypes.Cancelled)
                    : job.AttemptsRemain
                        ? Finish(job, JobStatus.Queued, JobEventTypes.Rescued)
                        : Finish(job, JobStatus.Failed, JobEventTypes.Failed) with { Reason = WorkerLost },
            JobOperation.Release => s != JobStatus.Running
                ? TransitionResult.Rejected(s, NotRunning)
                : job.CancelRequested
                    ? Finish(job, JobStatus.Cancelled, JobEventTypes.Cancelled)
                    : Finish(job, JobStatus.Queued, JobEventTypes.Released) with { RefundsAttempt = true },
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
        };
    }

    private static TransitionResult Finish(JobSnapshot job, JobStatus to, string eventType) =>
        job.Status == JobStatus.Running
            ? TransitionResult.Applied(JobStatus.Running, to, eventType) with { ClearsLease = true }
            : TransitionResult.Rejected(job.Status, NotRunning);

    /// <summary>The snapshot a job has after <paramref name="result"/> was applied to it.</summary>
    public static JobSnapshot Apply(JobSnapshot job, JobOperation operation, TransitionResult result)
    {
        if (!result.IsApplied)
        {
            return job;
        }

        var attempt = job.Attempt;
        var maxAttempts = job.MaxAttempts;
        if (operation == JobOperation.Claim) attempt++;
        if (result.RefundsAttempt) attempt = Math.Max(0, attempt - 1);
        if (result.GrantsAttempt) maxAttempts = attempt + 1;
        var cancelRequested = result.RequestsCancel || (job.CancelRequested && result.To == JobStatus.Running);
        var hasRetry = job.HasRetry || operation == JobOperation.RetryAsNew;
        return new JobSnapshot(result.To, attempt, maxAttempts, cancelRequested, hasRetry);
    }
}
