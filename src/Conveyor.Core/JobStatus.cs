namespace Conveyor.Core;

/// <summary>The five words every Conveyor surface uses for a job's state.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
