using Conveyor.Core;

namespace Conveyor.Api.Seeds;

/// <summary>One row of seed 002's list (<c>GET /api/jobs</c>), plus <c>synthetic</c> (SPEC §7).</summary>
public sealed record JobStatusSummary(Guid JobId, string Status, DateTimeOffset SubmittedAt, DateTimeOffset? CompletedAt, long RecordsProcessed, bool Synthetic)
{
    public static JobStatusSummary From(Job job) =>
        new(job.Id, SeedStatus.Seed002(job.Status), job.CreatedAt, job.CompletedAt, job.RecordsProcessed, job.Synthetic);
}
