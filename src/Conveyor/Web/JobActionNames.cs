using Conveyor.Core;

namespace Conveyor.Web;

/// <summary>The row actions: retry (a new job, the canonical API's retry), requeue (in place) and cancel; which a job's state allows.</summary>
public static class JobActionNames
{
    public const string Retry = "retry";
    public const string Requeue = "requeue";
    public const string Cancel = "cancel";

    public static IReadOnlyList<string> For(Job job) => job.Status switch
    {
        JobStatus.Failed => [Requeue, Retry],
        JobStatus.Queued => [Cancel],
        JobStatus.Running when job.CancelRequestedAt is null => [Cancel],
        _ => [],
    };

    public static string Label(string action) => action switch
    {
        Retry => "Retry as new",
        Requeue => "Requeue",
        _ => "Cancel",
    };

    public static string Question(string action) => action switch
    {
        Retry => "Create a new job with this job's settings?",
        Requeue => "Put this job back in the queue?",
        _ => "Cancel this job?",
    };

    public static string Done(string action) => action switch
    {
        Retry => "retried as a new job",
        Requeue => "requeued",
        _ => "cancelled",
    };
}
