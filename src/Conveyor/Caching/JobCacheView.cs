namespace Conveyor.Caching;

/// <summary>What a cached payload renders of a job; a change of the job drops every view of it.</summary>
public enum JobCacheView
{
    /// <summary>Seed 002's <c>GET /api/job/{job_id}</c> (<c>JobStatusResource</c>).</summary>
    Status,

    /// <summary><c>GET /api/v1/jobs/{id}</c>: the whole <c>JobResource</c>, with the lease and the <c>retried_by</c> link.</summary>
    Resource,
}
