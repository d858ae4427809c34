namespace Conveyor.Storage.Tests;

/// <summary>Where a job stands before an operation: the six situations SPEC §2's table distinguishes.</summary>
public enum Situation
{
    Queued,
    Running,
    RunningCancelRequested,
    Succeeded,
    Failed,
    Cancelled,
}
