namespace Conveyor.Client;

/// <summary>One page of <c>GET /api/v1/jobs</c>; <see cref="NextCursor"/> continues it by keyset.</summary>
public sealed record JobPage(IReadOnlyList<Job> Items, long Total, int? Page, int PageSize, string? NextCursor,
    IReadOnlyDictionary<string, Link> Links);
