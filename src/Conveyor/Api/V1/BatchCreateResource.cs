namespace Conveyor.Api.V1;

/// <summary>The answer to a batch create: the new jobs' ids, in request order, and the jobs themselves.</summary>
public sealed record BatchCreateResource(IReadOnlyList<Guid> Ids, IReadOnlyList<JobResource> Items);
