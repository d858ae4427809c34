using Conveyor.Api.Json;
using Conveyor.Application;
using Conveyor.Auth;
using Conveyor.Audit;
using System.Text.Json;
using Conveyor.Core;
using Conveyor.Ingestion;
using Conveyor.Ingestion.Detection;
using Conveyor.Storage;
using Conveyor.Workers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Conveyor.Api.V1.Ingestion;

/// <summary>
/// Getting data in: <c>POST /api/v1/upload</c> (multipart, one job per file) and <c>POST /api/v1/ingest/json</c>
/// (a JSON array or NDJSON body). Bodies stream to disk; the jobs, their files and detection results are created
/// in one transaction once every file is stored; any failure before that removes every file of the request.
/// </summary>
public static class IngestionEndpoints
{
    public static RouteGroupBuilder MapIngestionV1(this IEndpointRouteBuilder routes)
    {
        // No Accepts() metadata: routing would answer a wrong media type itself, with the JSON endpoints' 415 text;
        // these handlers say which media types they take.
        var group = routes.MapGroup("/api/v1").WithTags("Ingestion");

        group.MapPost("/upload", UploadAsync)
            .WithName("Upload")
            .WithSummary("Upload files; one queued job per file")
            .WithDescription("multipart/form-data with one or more files and the optional fields dataset, priority and metadata " +
                "(a JSON object). The type is sniffed from the bytes (CSV/TSV, JSON, NDJSON, gzip of these; captions and audio when " +
                "a transcription handler is installed). 413 past Conveyor:Uploads:MaxFileBytes, MaxFiles or MaxRequestBytes; 415 for " +
                "executables, archives other than gzip and anything else; 507 when the storage root is full. A failed upload leaves no file and no job.")
            .DisableAntiforgery()
            .RequireAuthorization(Policies.Submitter)
            .Audited(AuditActions.JobUpload)
            .Produces<BatchCreateResource>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        group.MapPost("/ingest/json", IngestJsonAsync)
            .WithName("IngestJson")
            .WithSummary("Post records as a JSON array or NDJSON; one queued job")
            .WithDescription("Content-Type application/json (an array of objects) or application/x-ndjson (one object per line). " +
                "Query: dataset, priority. The body streams to storage and a json or ndjson job is queued (201).")
            .RequireAuthorization(Policies.Submitter)
            .Audited(AuditActions.JobIngest)
            .AllowQuery("dataset", "priority")
            .Produces<JobResource>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        return group;
    }

    private static async Task<IResult> UploadAsync(HttpContext context, UploadService uploads, StorageRoot root, JobHandlerRegistry handlers,
        IOptions<UploadOptions> uploadOptions, CancellationToken ct)
    {
        var limits = uploadOptions.Value;
        if (MultipartForm.Refusal(context, limits.MaxRequestBytes, out var boundary) is { } refused) return refused;

        var received = new List<ReceivedFile>();
        string? dataset = null, priority = null, metadata = null;
        try
        {
            await MultipartForm.ReadAsync(context, boundary,
                (name, value) =>
                {
                    switch (name)
                    {
                        case "dataset": dataset = value; break;
                        case "priority": priority = value; break;
                        case "metadata": metadata = value; break;
                        default: throw UploadRejectedException.BadRequest($"Unknown form field '{name}'; use dataset, priority or metadata.");
                    }
                },
                async (body, fileName) =>
                {
                    if (received.Count >= limits.MaxFiles)
                        throw UploadRejectedException.TooLarge($"A request may carry at most {limits.MaxFiles} files.");
                    var file = await FileReceiver.ReceiveAsync(body, root, FileNames.Sanitize(fileName), limits.MaxFileBytes,
                        sniff => Refuse(sniff, handlers), ct);
                    received.Add(file with { ClientName = MultipartForm.DisplayName(fileName) });
                }, ct);
            if (received.Count == 0) throw UploadRejectedException.BadRequest("The request holds no file.");

            var (settings, errors) = Settings(dataset, priority, metadata);
            if (errors is not null) throw new ValidationFailedException(errors);
            var outcome = await uploads.CreateAsync(received, settings, UploadService.FileUpload, RequestAudit.For(context, AuditActions.JobUpload), ct);
            if (!outcome.Succeeded) MultipartForm.Remove(received);
            return outcome.ToResult(jobs =>
            {
                var items = jobs.Select(j => JobResource.From(j)).ToList();
                return TypedResults.Created(items.Count == 1 ? $"{JobLinks.Base}/{items[0].Id}" : null,
                    new BatchCreateResource(items.Select(i => i.Id).ToList(), items));
            });
        }
        catch (Exception e)
        {
            MultipartForm.Remove(received);
            return MultipartForm.Failure(e, context);
        }
    }

    private static async Task<IResult> IngestJsonAsync(HttpContext context, UploadService uploads, StorageRoot root,
        IOptions<UploadOptions> uploadOptions, string? dataset, string? priority, CancellationToken ct)
    {
        var limits = uploadOptions.Value;
        var request = context.Request;
        var ndjson = request.ContentType is { } ct0 && MediaTypeHeaderValue.TryParse(ct0, out var mt) &&
            (mt.MediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase) ||
             mt.MediaType.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase));
        if (!ndjson && !request.HasJsonContentType())
            return Problems.UnsupportedMediaType("The body must be application/json (an array of objects) or application/x-ndjson.");
        if (request.ContentLength > limits.MaxFileBytes)
            return UploadRejectedException.TooLarge($"The body may be at most {limits.MaxFileBytes} bytes.").ToProblem();
        MultipartForm.AllowBody(context, limits.MaxFileBytes);

        var (settings, errors) = Settings(dataset, priority, null);
        if (errors is not null) return Problems.Validation(errors);
        ReceivedFile? file = null;
        try
        {
            file = await FileReceiver.ReceiveAsync(request.Body, root, ndjson ? "body.ndjson" : "body.json", limits.MaxFileBytes,
                sniff => sniff.Kind switch
                {
                    ContentKind.Json or ContentKind.Ndjson => null,
                    _ => "The body is not a JSON array or NDJSON.",
                }, ct);
            var outcome = await uploads.CreateAsync([file], settings, UploadService.JsonApi, RequestAudit.For(context, AuditActions.JobIngest), ct);
            if (!outcome.Succeeded) FileReceiver.Remove(file.Directory);
            return outcome.ToResult(jobs => TypedResults.Created($"{JobLinks.Base}/{jobs[0].Id}", JobResource.From(jobs[0])));
        }
        catch (Exception e)
        {
            if (file is not null) FileReceiver.Remove(file.Directory);
            return MultipartForm.Failure(e, context);
        }
    }

    /// <summary>Binds the text of the form fields (or the query) to settings; the rules on their values are <see cref="UploadService.Validate"/>'s.</summary>
    private static (UploadSettings Settings, Dictionary<string, string[]>? Errors) Settings(string? dataset, string? priority, string? metadata)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        int? value = null;
        if (!string.IsNullOrEmpty(priority))
        {
            if (int.TryParse(priority, out var parsed)) value = parsed;
            else errors["priority"] = ["Must be an integer."];
        }
        JsonElement? meta = null;
        if (!string.IsNullOrEmpty(metadata))
        {
            // The same check as every JSON body (StrictJson), so a form field cannot store what a body may not.
            var (value2, error) = StrictJson.ParseObject(System.Text.Encoding.UTF8.GetBytes(metadata));
            if (error is not null) errors["metadata"] = [error];
            else meta = value2;
        }
        var settings = new UploadSettings(string.IsNullOrEmpty(dataset) ? null : dataset, value, meta);
        foreach (var (field, messages) in UploadService.Validate(settings)) errors.TryAdd(field, messages);
        return (settings, errors.Count > 0 ? errors : null);
    }

    /// <summary>Sniffed content that no handler on this server takes is refused like any other type.</summary>
    private static string? Refuse(SniffResult sniff, JobHandlerRegistry handlers) =>
        sniff.JobType is { } type && handlers.IsKnown(type) ? null
        : $"Content detected as {sniff.Kind.ToString().ToLowerInvariant()} has no handler on this server; Conveyor takes CSV, JSON and NDJSON (optionally gzipped).";
}
