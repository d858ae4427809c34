using Conveyor.Auth;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.Net.Http.Headers;

namespace Conveyor.Api.V1.Ingestion;

/// <summary>
/// Reading loaded data: a job's detection result, rows and parse failures, and datasets. Rows page by keyset
/// (<c>next_cursor</c>); <c>Accept: text/csv</c> streams every row as CSV instead.
/// </summary>
public static class DataEndpoints
{
    public const int MaxLimit = 1000;
    private const int CsvPage = 5000;

    public static void MapDataV1(this IEndpointRouteBuilder routes)
    {
        var jobs = routes.MapGroup("/api/v1/jobs").WithTags("Ingestion").RequireAuthorization(Policies.Viewer);
        jobs.MapGet("/{id}/detection", DetectionAsync)
            .WithName("GetJobDetection")
            .WithSummary("What content detection found in the job's file")
            .Produces<JsonElement>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id}/records", JobRecordsAsync)
            .AllowQuery("limit", "cursor")
            .WithName("GetJobRecords")
            .WithSummary("The job's loaded rows (keyset paging with cursor; Accept: text/csv for CSV)")
            .Produces<RecordListResource>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id}/failures", FailuresAsync)
            .WithName("GetJobFailures")
            .WithSummary("Rows that failed to parse: line number and reason (the first 1,000)")
            .Produces<FailureListResource>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        var datasets = routes.MapGroup("/api/v1/datasets").WithTags("Datasets").RequireAuthorization(Policies.Viewer);
        datasets.MapGet("/", DatasetsAsync)
            .WithName("ListDatasets")
            .WithSummary("Datasets with rows from succeeded jobs")
            .Produces<DatasetListResource>();
        datasets.MapGet("/{name}/records", DatasetRecordsAsync)
            .AllowQuery("limit", "cursor")
            .WithName("GetDatasetRecords")
            .WithSummary("A dataset's rows from succeeded jobs (keyset paging with cursor; Accept: text/csv for CSV)")
            .Produces<RecordListResource>(StatusCodes.Status200OK, "application/json", "text/csv");
    }

    private static async Task<IResult> DetectionAsync(string id, IJobReader jobs, IRecordReader store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return Problems.Validation("id", "The job id must be a UUID.");
        if (await jobs.GetAsync(jobId, ct) is null) return Problems.NotFound($"Job {jobId}");
        var detection = await store.GetDetectionAsync(jobId, ct);
        if (detection is null) return Problems.NotFound($"A detection result for job {jobId}");
        return TypedResults.Ok(StoredJson.Parse(detection.Result, JobMetadata.Empty));
    }

    private static async Task<IResult> FailuresAsync(string id, IJobReader jobs, IRecordReader store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return Problems.Validation("id", "The job id must be a UUID.");
        var job = await jobs.GetAsync(jobId, ct);
        if (job is null) return Problems.NotFound($"Job {jobId}");
        var failures = await store.GetFailuresAsync(jobId, 1000, ct);
        return TypedResults.Ok(new FailureListResource(jobId, job.RecordsFailed,
            failures.Select(f => new FailureResource(f.LineNumber, f.Reason)).ToList()));
    }

    private static async Task<IResult> JobRecordsAsync(string id, HttpContext context, IJobReader jobs, IRecordReader store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var jobId)) return Problems.Validation("id", "The job id must be a UUID.");
        if (await jobs.GetAsync(jobId, ct) is null) return Problems.NotFound($"Job {jobId}");
        return await RecordsAsync(context, store, new RecordQuery { JobId = jobId }, $"{JobLinks.Base}/{jobId}/records", ct);
    }

    private static async Task<IResult> DatasetRecordsAsync(string name, HttpContext context, IRecordReader store, CancellationToken ct)
    {
        return await RecordsAsync(context, store, new RecordQuery { Dataset = name }, $"/api/v1/datasets/{Uri.EscapeDataString(name)}/records", ct);
    }

    private static async Task<IResult> DatasetsAsync(IRecordReader store, CancellationToken ct)
    {
        var list = await store.ListDatasetsAsync(ct);
        return TypedResults.Ok(new DatasetListResource(list.Select(d => new DatasetResource(d.Name, d.Jobs, d.Records, d.UpdatedAt,
            new Dictionary<string, Link> { ["records"] = new($"/api/v1/datasets/{Uri.EscapeDataString(d.Name)}/records") })).ToList()));
    }

    private static async Task<IResult> RecordsAsync(HttpContext context, IRecordReader store, RecordQuery query, string self, CancellationToken ct)
    {
        var q = context.Request.Query;
        var limit = 100;
        if (q.TryGetValue("limit", out var l) && (!int.TryParse(l, out limit) || limit is < 1 or > MaxLimit))
            return Problems.Validation("limit", $"Must be an integer from 1 to {MaxLimit}.");
        if (q.TryGetValue("cursor", out var c))
        {
            if (DecodeCursor(c.ToString()) is not { } after) return Problems.Validation("cursor", "The cursor is not one this API gave out.");
            query = query with { After = after };
        }
        if (WantsCsv(context.Request)) return new CsvRecordsResult(store, query, CsvPage);

        var rows = await store.ListRecordsAsync(query with { Limit = limit + 1 }, ct);
        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? EncodeCursor(page[^1].JobId, page[^1].RowNumber) : null;
        var links = new Dictionary<string, Link> { ["self"] = new(context.Request.Path + context.Request.QueryString) };
        if (next is not null) links["next"] = new($"{self}?limit={limit}&cursor={next}");
        return TypedResults.Ok(new RecordListResource(
            page.Select(r => new RecordResource(r.JobId, r.RowNumber, r.Dataset, StoredJson.Parse(r.Data, JobMetadata.Empty))).ToList(),
            next, links));
    }

    private static bool WantsCsv(HttpRequest request) =>
        MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accept) &&
        accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));

    internal static string EncodeCursor(Guid jobId, long row) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{jobId:N}:{row}"));

    internal static (Guid, long)? DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var parts = text.Split(':');
            return parts.Length == 2 && Guid.TryParseExact(parts[0], "N", out var id) && long.TryParse(parts[1], out var row) ? (id, row) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public sealed record RecordResource(Guid JobId, long RowNumber, string Dataset, JsonElement Data);

public sealed record RecordListResource(IReadOnlyList<RecordResource> Items, string? NextCursor, IReadOnlyDictionary<string, Link> Links);

public sealed record FailureResource(long LineNumber, string Reason);

public sealed record FailureListResource(Guid JobId, long RecordsFailed, IReadOnlyList<FailureResource> Items);

public sealed record DatasetResource(string Name, long Jobs, long Records, DateTimeOffset? UpdatedAt, IReadOnlyDictionary<string, Link> Links);

public sealed record DatasetListResource(IReadOnlyList<DatasetResource> Items);
