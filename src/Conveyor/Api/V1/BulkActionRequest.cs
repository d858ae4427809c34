using System.Text.Json.Serialization;

namespace Conveyor.Api.V1;

/// <summary>The body of <c>POST /api/v1/jobs/bulk</c>: an action over everything <see cref="Filter"/> matches.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BulkActionRequest(string? Action, BulkFilter? Filter, bool DryRun = false);

/// <summary>The jobs list's filters, as <c>GET /api/v1/jobs</c> takes them (status as an array).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BulkFilter(
    IReadOnlyList<string>? Status = null,
    string? Type = null,
    string? SourceType = null,
    string? Dataset = null,
    string? SessionId = null,
    string? Q = null);

/// <summary>What a bulk action matched and did: a dry run only counts (<c>matched</c>).</summary>
public sealed record BulkActionResource(string Action, bool DryRun, long Matched, long Changed, long Unchanged, long Rejected);
