using Conveyor.Core;
using Microsoft.AspNetCore.Mvc;

namespace Conveyor.Api.V1;

/// <summary>The example bodies shown in the OpenAPI document, built from the real resource types so they cannot drift.</summary>
public static class ApiExamples
{
    private static readonly Guid ExampleId = Guid.Parse("0198f0c2-6a4e-7a51-9d0e-3f2b8c1d4e5f");
    private static readonly Guid RetryId = Guid.Parse("0198f0c9-1b2c-7d3e-8f40-5a6b7c8d9e0f");
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);

    public static JobCreateRequest CreateRequest { get; } = new()
    {
        Type = "sleep",
        SourceType = "json_api",
        Priority = 5,
        Metadata = System.Text.Json.JsonDocument.Parse("""{"seconds": 2}""").RootElement,
        MaxAttempts = 3,
    };

    private static Job Queued { get; } = new()
    {
        Id = ExampleId,
        Type = "sleep",
        SourceType = "json_api",
        Priority = 5,
        Metadata = JobMetadata.Parse("""{"seconds": 2}"""),
        Status = JobStatus.Queued,
        MaxAttempts = 3,
        ScheduledAt = At,
        CreatedAt = At,
        UpdatedAt = At,
        CreatedBy = "anonymous",
    };

    public static JobResource QueuedJob { get; } = JobResource.From(Queued);

    public static JobResource CancelledJob { get; } = JobResource.From(Queued with
    {
        Status = JobStatus.Cancelled,
        CompletedAt = At.AddSeconds(1),
        UpdatedAt = At.AddSeconds(1),
    });

    public static JobResource RetriedJob { get; } = JobResource.From(Queued with { Id = RetryId, RetryOf = ExampleId });

    public static RetryRequest RetryRequest { get; } = new(new ConfigOverride { Priority = 10 });

    public static BulkActionRequest BulkRequest { get; } = new("cancel", new BulkFilter(Status: ["queued"], Dataset: "people"), DryRun: true);

    public static BulkActionResource BulkResponse { get; } = new("cancel", false, 5000, 4998, 2, 0);

    public static BatchCreateRequest BatchRequest { get; } = new([new JobCreateRequest { Type = "noop" }, new JobCreateRequest { Type = "noop", Priority = 1 }]);

    public static BatchCreateResource BatchResponse { get; } = new([ExampleId, RetryId],
        [JobResource.From(Queued with { Type = "noop", Metadata = JobMetadata.Empty }), JobResource.From(Queued with { Id = RetryId, Type = "noop", Priority = 1 })]);

    public static JobListResource JobList { get; } = new([QueuedJob], 1, false, 1, 20, null,
        new Dictionary<string, Link> { ["self"] = new("/api/v1/jobs?limit=20") });

    public static JobEventListResource EventList { get; } = new(ExampleId,
    [
        new JobEventResource(1, ExampleId, JobEventTypes.Created, null, "queued", At, "anonymous", null, JobMetadata.Empty),
        new JobEventResource(2, ExampleId, JobEventTypes.Started, "queued", "running", At.AddMilliseconds(4), "worker:node-1:4242:a1b2c3", null,
            JobMetadata.Parse("""{"attempt": 1}""")),
    ]);

    public static ProblemDetails NotFoundProblem { get; } = new()
    {
        Status = 404, Title = "Not found", Detail = $"Job {ExampleId} was not found.", Type = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    };

    public static ProblemDetails CancelConflict { get; } = new()
    {
        Status = 409, Title = "Conflict", Detail = StatusMachine.CancelRefused, Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
    };

    public static ProblemDetails RetryConflict { get; } = new()
    {
        Status = 409, Title = "Conflict", Detail = StatusMachine.RetryRefused, Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
    };

    public static HttpValidationProblemDetails ValidationProblem { get; } = new(new Dictionary<string, string[]>
    {
        ["type"] = ["The type is required."],
        ["priority"] = ["The priority must be between -1000 and 1000."],
    })
    {
        Status = 400, Title = "Validation failed", Detail = "One or more fields are invalid; see errors.",
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    };
}
