using Conveyor.Core;

namespace Conveyor.Api.Seeds;

/// <summary>
/// Seed 002's status payload (<c>GET /api/job/{job_id}</c>), in its words (<c>completed</c> for succeeded), plus
/// <c>synthetic</c>, which SPEC §7 puts on every seed payload.
/// </summary>
public sealed record JobStatusResource(
    Guid JobId,
    string Status,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    long RecordsProcessed,
    string? Error,
    bool Synthetic)
{
    public static JobStatusResource From(Job job) =>
        new(job.Id, SeedStatus.Seed002(job.Status), job.CreatedAt, job.StartedAt, job.CompletedAt, job.RecordsProcessed, job.Error, job.Synthetic);
}
