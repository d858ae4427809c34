using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>Reads of jobs and their event logs, for the API and the handlers.</summary>
public interface IJobReader
{
    Task<Job?> GetAsync(Guid id, CancellationToken ct);

    Task<JobPage> ListAsync(JobQuery query, CancellationToken ct);

    /// <summary>The job's events, oldest first; <c>null</c> when there is no such job.</summary>
    Task<IReadOnlyList<JobEvent>?> GetEventsAsync(Guid id, CancellationToken ct);

    /// <summary>The job created from <paramref name="id"/> by retry-as-new, if any.</summary>
    Task<Guid?> FindRetryAsync(Guid id, CancellationToken ct);
}
