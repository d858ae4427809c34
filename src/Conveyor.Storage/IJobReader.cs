using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>Reads of jobs and their event logs, for the API and the handlers.</summary>
public interface IJobReader
{
    Task<Job?> GetAsync(Guid id, CancellationToken ct);

    Task<JobPage> ListAsync(JobQuery query, CancellationToken ct);

    /// <summary>How many jobs match the query's filters (exactly; its sort, page and count limit are ignored).</summary>
    Task<long> CountAsync(JobQuery filter, CancellationToken ct);

    /// <summary>
    /// For each of <paramref name="values"/> (in their order), how many jobs match the filters of <paramref name="filter"/>
    /// and have that value in <paramref name="field"/>, each counted up to the filter's <see cref="JobQuery.CountLimit"/>
    /// (exactly when it has none): one statement on PostgreSQL however many values, so a page of counts stays cheap at a
    /// million jobs.
    /// </summary>
    Task<IReadOnlyList<JobGroupCount>> CountByAsync(JobQuery filter, JobCountField field, IReadOnlyList<string> values, CancellationToken ct);

    /// <summary>
    /// Up to <paramref name="limit"/> ids of jobs matching the filters, in id order, after <paramref name="after"/>: a walk
    /// over every match (bulk actions), however many there are.
    /// </summary>
    Task<IReadOnlyList<Guid>> ListIdsAsync(JobQuery filter, Guid? after, int limit, CancellationToken ct);

    /// <summary>
    /// Those of the jobs <paramref name="ids"/> whose <c>updated_at</c> is after <paramref name="since"/>: one statement
    /// for every job a node's live views watch (<c>JobFeed</c>), however many views watch them.
    /// </summary>
    Task<IReadOnlyList<Job>> ListChangedAsync(IReadOnlyCollection<Guid> ids, DateTimeOffset since, CancellationToken ct);

    /// <summary>The job's events, oldest first; <c>null</c> when there is no such job.</summary>
    Task<IReadOnlyList<JobEvent>?> GetEventsAsync(Guid id, CancellationToken ct);

    /// <summary>The job created from <paramref name="id"/> by retry-as-new, if any.</summary>
    Task<Guid?> FindRetryAsync(Guid id, CancellationToken ct);
}
