namespace Conveyor.Api.Seeds;

/// <summary>A page of the admin queue, most recently updated first: <c>total</c> matching, <c>next_cursor</c> for the next page.</summary>
public sealed record AdminJobListResource(IReadOnlyList<AdminJobResource> Items, long Total, int Limit, string? NextCursor);
