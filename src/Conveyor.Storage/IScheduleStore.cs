namespace Conveyor.Storage;

/// <summary>The periodic enqueuer's memory, shared by every node so that a new leader goes on where the last one stopped.</summary>
public interface IScheduleStore
{
    /// <summary>Every schedule's run, by name.</summary>
    Task<IReadOnlyList<ScheduleRun>> ListScheduleRunsAsync(CancellationToken ct);

    /// <summary>Records <paramref name="run"/> unless the schedule already stands at a later tick.</summary>
    Task RecordScheduleRunAsync(ScheduleRun run, CancellationToken ct);
}
