using System.Text.Json;

namespace Conveyor.Storage.Tests;

/// <summary>Builds the <see cref="NewJob"/> a test needs: <c>ANewJob.OfType("noop").WithPriority(5)</c>. Every build gets a fresh id.</summary>
public sealed record ANewJob
{
    private NewJob Template { get; init; } = new() { Type = "noop" };
    private Guid? FixedId { get; init; }

    public static ANewJob OfType(string type) => new() { Template = new NewJob { Type = type, CreatedBy = "test" } };

    public static ANewJob Noop() => OfType("noop");

    public ANewJob WithId(Guid id) => this with { FixedId = id };
    public ANewJob WithPriority(int priority) => With(j => j with { Priority = priority });
    public ANewJob WithSourceType(string sourceType) => With(j => j with { SourceType = sourceType });
    public ANewJob WithDataset(string dataset) => With(j => j with { Dataset = dataset });
    public ANewJob InSession(Guid sessionId) => With(j => j with { SessionId = sessionId });
    public ANewJob WithMaxAttempts(int maxAttempts) => With(j => j with { MaxAttempts = maxAttempts });
    public ANewJob ScheduledAt(DateTimeOffset at) => With(j => j with { ScheduledAt = at });
    public ANewJob WithIdempotencyKey(string key, string requestHash) => With(j => j with { IdempotencyKey = key, RequestHash = requestHash });
    public ANewJob WithMetadata(string json) => With(j => j with { Metadata = JsonDocument.Parse(json).RootElement.Clone() });
    public ANewJob CreatedBy(string actor) => With(j => j with { CreatedBy = actor });
    public ANewJob Synthetic() => With(j => j with { Synthetic = true });

    public ANewJob WithFile(string name, long size, string mimeType, string? uri = null) =>
        With(j => j with { FileName = name, FileSize = size, MimeType = mimeType, SourceUri = uri, Mode = "append" });

    public NewJob Build() => Template with { Id = FixedId ?? Guid.CreateVersion7() };

    public static implicit operator NewJob(ANewJob builder) => builder.Build();

    private ANewJob With(Func<NewJob, NewJob> change) => this with { Template = change(Template) };
}
