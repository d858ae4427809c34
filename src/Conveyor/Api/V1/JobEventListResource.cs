namespace Conveyor.Api.V1;

/// <summary>A job's history, oldest first.</summary>
public sealed record JobEventListResource(Guid JobId, IReadOnlyList<JobEventResource> Items);
