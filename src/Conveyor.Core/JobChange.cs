using System.Text.Json;

namespace Conveyor.Core;

/// <summary>One applied transition, ready to write: the row's new state and the event that records it.</summary>
public sealed record JobChange(JobState Before, JobState After, string EventType, string EventData);

/// <summary>Computes the row a transition leaves behind. Pure: the same inputs give the same row.</summary>
public static class JobChanges
{
    /// <summary>The smallest step a timestamp moves by: PostgreSQL keeps microseconds.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMicroseconds(1);

    public static JobChange? Plan(JobState state, JobOperation operation, DateTimeOffset now, TransitionInput? input = null)
    {
        var result = StatusMachine.Decide(state.Snapshot, operation);
        return result.IsApplied ? Plan(state, operation, result, now, input ?? TransitionInput.None) : null;
    }

    public static JobChange Plan(JobState s, JobOperation operation, TransitionResult r, DateTimeOffset now, TransitionInput input)
    {
        if (!r.IsApplied) throw new ArgumentException("Only an applied transition changes a row.", nameof(r));

        var attempt = s.Attempt;
        if (operation == JobOperation.Claim) attempt++;
        if (r.RefundsAttempt) attempt = Math.Max(0, attempt - 1);
        var maxAttempts = r.GrantsAttempt ? attempt + 1 : s.MaxAttempts;

        var (error, errorRef) = input.Error is not null ? (input.Error, input.ErrorRef)
            : r.To == JobStatus.Failed && r.Reason is not null ? (r.Reason, (string?)null)
            : operation is JobOperation.Requeue or JobOperation.Succeed ? (null, null)
            : (s.Error, s.ErrorRef);

        var after = s with
        {
            Status = r.To,
            Attempt = attempt,
            MaxAttempts = maxAttempts,
            CancelRequestedAt = r.RequestsCancel ? now : r.To == JobStatus.Queued ? null : s.CancelRequestedAt,
            LeaseOwner = r.ClearsLease ? null : s.LeaseOwner,
            LeaseExpiresAt = r.ClearsLease ? null : s.LeaseExpiresAt,
            // Retry-as-new leaves the original failed: it finished when it failed, not when it was retried.
            CompletedAt = r.IsTerminal && r.From != r.To ? now : r.To == JobStatus.Queued ? null : s.CompletedAt,
            ScheduledAt = r.To == JobStatus.Queued && r.From != JobStatus.Queued ? input.RetryAt ?? now : s.ScheduledAt,
            Error = error,
            ErrorRef = errorRef,
            UpdatedAt = now > s.UpdatedAt ? now : s.UpdatedAt + Tick,
            HasRetry = s.HasRetry || operation == JobOperation.RetryAsNew,
        };
        return new JobChange(s, after, r.EventType!, EventData(s, after, operation, input));
    }

    private static string EventData(JobState before, JobState after, JobOperation operation, TransitionInput input)
    {
        var data = new Dictionary<string, object?>(StringComparer.Ordinal) { ["attempt"] = after.Attempt };
        if (after.Error is not null && after.Error != before.Error || input.Error is not null)
        {
            data["error"] = after.Error;
            data["error_ref"] = after.ErrorRef;
        }
        if (operation == JobOperation.Fail && after.Status == JobStatus.Queued)
        {
            data["retry_at"] = after.ScheduledAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        }
        return JsonSerializer.Serialize(data);
    }
}
