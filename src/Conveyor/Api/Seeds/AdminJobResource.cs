using Conveyor.Core;

namespace Conveyor.Api.Seeds;

/// <summary>A row of seeds 000/001's admin queue (<c>processing_jobs</c>): exactly the fields its table reads.</summary>
public sealed record AdminJobResource(Guid Id, Guid? SessionId, string Type, JobStatus Status, DateTimeOffset UpdatedAt, bool Synthetic)
{
    public static AdminJobResource From(Job job) => new(job.Id, job.SessionId, job.Type, job.Status, job.UpdatedAt, job.Synthetic);
}
