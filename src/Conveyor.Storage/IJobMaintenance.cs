namespace Conveyor.Storage;

/// <summary>Maintenance of the queue, run by the leader only: rescue of jobs whose worker was lost.</summary>
public interface IJobMaintenance
{
    /// <summary>Rescues running jobs whose lease expired: re-queued, failed ("worker lost") or cancelled.</summary>
    Task<int> RescueExpiredAsync(int max, CancellationToken ct);
}
