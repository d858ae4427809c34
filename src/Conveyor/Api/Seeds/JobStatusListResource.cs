namespace Conveyor.Api.Seeds;

/// <summary>Seed 002's list page: <c>results</c>, <c>offset</c>, <c>limit</c>.</summary>
public sealed record JobStatusListResource(IReadOnlyList<JobStatusSummary> Results, long Offset, int Limit);
