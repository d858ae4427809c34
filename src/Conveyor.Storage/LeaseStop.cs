namespace Conveyor.Storage;

/// <summary>A job a heartbeat tells its worker to stop, and why.</summary>
public readonly record struct LeaseStop(Guid JobId, LeaseStopReason Reason)
{
    public static LeaseStop Cancel(Guid jobId) => new(jobId, LeaseStopReason.CancelRequested);

    public static LeaseStop Lost(Guid jobId) => new(jobId, LeaseStopReason.LeaseLost);
}

public enum LeaseStopReason
{
    /// <summary>Someone asked for the job to be cancelled; the worker acknowledges it.</summary>
    CancelRequested,

    /// <summary>The worker no longer holds the job (its lease expired and it was rescued, or it finished elsewhere); nothing it writes for it counts.</summary>
    LeaseLost,
}
