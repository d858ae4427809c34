using System.Text.Json;
using Conveyor.Api.Json;
using Conveyor.Api.V1;
using Conveyor.Auth;
using Conveyor.Caching;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Conveyor.Api.Seeds;

/// <summary>
/// Seed 002's status API, in its shapes and words: <c>GET /api/job/{job_id}</c> (the status cache first, then the
/// store) and <c>GET /api/jobs?status=&amp;limit=&amp;offset=</c>, newest first.
/// </summary>
public static class StatusApiEndpoints
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const long MaxOffset = 10_000_000;

    private static readonly HashSet<string> Known = ["status", "limit", "offset"];

    public static RouteGroupBuilder MapStatusApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api").WithTags("Seed 002: job status");

        group.MapGet("/job/{job_id}", GetAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithName("GetJobStatus")
            .WithSummary("A job's status (seed 002)")
            .WithDescription("Status words: queued, running, completed (succeeded), failed, cancelled. Served from the status " +
                "cache (Redis when configured) and the store behind it; a change is visible to the next read on every node.")
            .Produces<JobStatusResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/jobs", ListAsync)
            .AllowQuery([.. Known], [])
            .RequireAuthorization(Policies.Viewer)
            .WithName("ListJobStatuses")
            .WithSummary("Jobs, newest first (seed 002)")
            .WithDescription($"status: one of {SeedStatus.Seed002Words}; limit 1-{MaxLimit} (default {DefaultLimit}); offset ≥ 0.")
            .Produces<JobStatusListResource>()
            .ProducesValidationProblem();

        return group;
    }

    private static async Task<IResult> GetAsync([FromRoute(Name = "job_id")] string jobId, IJobReader store, IJobCache cache,
        CancellationToken ct)
    {
        if (!Guid.TryParse(jobId, out var id)) return Problems.Validation("job_id", "The job id must be a UUID.");
        var payload = await cache.GetOrLoadAsync(id, JobCacheView.Status, async c => await store.GetAsync(id, c) is { } job
            ? JsonSerializer.SerializeToUtf8Bytes(JobStatusResource.From(job), ConveyorJson.Options)
            : null, ct);
        return payload is null ? Problems.NotFound($"Job {id}") : TypedResults.Bytes(payload, "application/json");
    }

    private static async Task<IResult> ListAsync(HttpContext context, IJobReader store, CancellationToken ct)
    {
        var query = context.Request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string field, string message) => errors[field] = [message];

        foreach (var key in query.Keys.Where(k => !Known.Contains(k)))
            Add(key, $"Unknown query parameter. Known: {string.Join(", ", Known.Order())}.");
        foreach (var key in query.Keys.Where(k => Known.Contains(k) && query[k].Count > 1))
            Add(key, "Give this parameter once.");

        var limit = JobListQueryParser.Int(query, "limit", DefaultLimit, 1, MaxLimit, Add);
        var offset = JobListQueryParser.Int(query, "offset", 0, 0, (int)MaxOffset, Add);
        JobStatus? status = null;
        if (query.TryGetValue("status", out var word) && word.Count == 1)
        {
            status = SeedStatus.FromSeed002(word.ToString());
            if (status is null) Add("status", $"Use {SeedStatus.Seed002Words}.");
        }
        if (errors.Count > 0) return Problems.Validation(errors);

        var page = await store.ListAsync(new JobQuery
        {
            Statuses = status is { } s ? [s] : [],
            SortBy = JobSortField.CreatedAt,
            Descending = true,
            Limit = limit,
            Offset = offset,
        }, ct);
        return TypedResults.Ok(new JobStatusListResource(page.Items.Select(JobStatusSummary.From).ToList(), offset, limit));
    }
}
