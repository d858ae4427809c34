namespace Conveyor.Workers.Maintenance;

/// <summary>A periodic task of the queue's upkeep (the rescuer now; a pruner and a scheduler later), run by <see cref="MaintenanceRunner"/>.</summary>
public interface IMaintenanceService
{
    /// <summary>The name in the log.</summary>
    string Name { get; }

    /// <summary>How often it runs.</summary>
    TimeSpan Interval { get; }

    /// <summary>One run: does whatever is due now.</summary>
    Task RunOnceAsync(CancellationToken ct);
}
