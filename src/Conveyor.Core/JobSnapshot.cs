namespace Conveyor.Core;

/// <summary>The part of a job the status machine decides on.</summary>
public readonly record struct JobSnapshot(
    JobStatus Status,
    int Attempt,
    int MaxAttempts,
    bool CancelRequested,
    bool HasRetry = false)
{
    public bool AttemptsRemain => Attempt < MaxAttempts;
}
