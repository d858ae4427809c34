namespace Conveyor.Client;

/// <summary>Where a job is in its life; <see cref="JobStatusExtensions.IsFinished"/> for the three that end it.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>Questions about a <see cref="JobStatus"/>.</summary>
public static class JobStatusExtensions
{
    /// <summary>Succeeded, failed or cancelled: nothing more will happen to the job unless someone retries it.</summary>
    public static bool IsFinished(this JobStatus status) => status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;
}
