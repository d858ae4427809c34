namespace Conveyor.Core;

/// <summary>The <c>type</c> words of <c>job_events</c> rows.</summary>
public static class JobEventTypes
{
    public const string Created = "created";
    public const string Started = "started";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string RetryScheduled = "retry_scheduled";
    public const string CancelRequested = "cancel_requested";
    public const string Cancelled = "cancelled";
    public const string Requeued = "requeued";
    public const string RetriedAsNew = "retried_as_new";
    public const string Rescued = "rescued";
    public const string Released = "released";
}
