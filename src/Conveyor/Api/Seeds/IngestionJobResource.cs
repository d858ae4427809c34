using Conveyor.Core;

namespace Conveyor.Api.Seeds;

/// <summary>
/// A job as seed 003's ingestion status screen shows it: its state in the five core words, counters, and the safe
/// error with the reference that finds the full detail in the server log.
/// </summary>
public sealed record IngestionJobResource
{
    public required Guid Id { get; init; }
    public required string Type { get; init; }
    public required string? SourceType { get; init; }
    public required string? FileName { get; init; }
    public required string? Dataset { get; init; }
    public required JobStatus Status { get; init; }
    public required int Attempt { get; init; }
    public required int MaxAttempts { get; init; }
    public required long RecordsProcessed { get; init; }
    public required long RecordsFailed { get; init; }
    public required long? RecordsTotal { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
    public required DateTimeOffset? StartedAt { get; init; }
    public required DateTimeOffset? CompletedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required SafeErrorResource? Error { get; init; }

    /// <summary>Whether a retry would re-queue it now (it failed).</summary>
    public required bool Retryable { get; init; }

    public required bool Synthetic { get; init; }

    public static IngestionJobResource From(Job job) => new()
    {
        Id = job.Id,
        Type = job.Type,
        SourceType = job.SourceType,
        FileName = job.FileName,
        Dataset = job.Dataset,
        Status = job.Status,
        Attempt = job.Attempt,
        MaxAttempts = job.MaxAttempts,
        RecordsProcessed = job.RecordsProcessed,
        RecordsFailed = job.RecordsFailed,
        RecordsTotal = job.RecordsTotal,
        SubmittedAt = job.CreatedAt,
        StartedAt = job.StartedAt,
        CompletedAt = job.CompletedAt,
        UpdatedAt = job.UpdatedAt,
        Error = job.Error is null ? null : new SafeErrorResource(job.Error, job.ErrorRef),
        Retryable = job.Status == JobStatus.Failed,
        Synthetic = job.Synthetic,
    };
}
