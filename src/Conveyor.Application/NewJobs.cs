using System.Diagnostics;
using System.Text.Json;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Application;

/// <summary>
/// The one place a <see cref="NewJob"/> is made, and so the one place the defaults live (priority 0, three attempts,
/// no metadata unless it is an object). Every way in describes its job as a <see cref="JobCreateRequest"/>: a create as
/// posted, a retry as the original's configuration with its override, an upload as what was sniffed from the file.
/// </summary>
public static class NewJobs
{
    public static NewJob From(JobCreateRequest request, string actor) => new()
    {
        Type = request.Type ?? throw new ArgumentException("A job needs a type.", nameof(request)),
        SourceType = request.SourceType,
        SourceUri = request.SourceUri,
        FileName = request.FileName,
        FileSize = request.FileSize,
        MimeType = request.MimeType,
        Mode = request.Mode,
        Priority = request.Priority ?? 0,
        Metadata = request.Metadata is { ValueKind: JsonValueKind.Object } metadata ? metadata : null,
        Dataset = request.Dataset,
        MaxAttempts = request.MaxAttempts ?? JobDefaults.MaxAttempts,
        ScheduledAt = request.ScheduledAt,
        CreatedBy = actor,
        // The request's trace goes on in the worker that runs the job (stored with it; null when nothing records traces).
        TraceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C, Recorded: true } current ? current.Id : null,
    };

    /// <summary>
    /// The request that would create <paramref name="original"/> again, with what <paramref name="change"/> gives
    /// instead (a null field keeps the original's; <c>scheduled_at</c> is never copied: a retry runs now unless told).
    /// </summary>
    public static JobCreateRequest RetryRequest(Job original, ConfigOverride? change) => new()
    {
        Type = original.Type,
        SourceType = original.SourceType,
        SourceUri = original.SourceUri,
        FileName = original.FileName,
        FileSize = original.FileSize,
        MimeType = original.MimeType,
        Mode = change?.Mode ?? original.Mode,
        Priority = change?.Priority ?? original.Priority,
        Metadata = change?.Metadata is { ValueKind: JsonValueKind.Object } metadata ? metadata : original.Metadata,
        Dataset = change?.Dataset ?? original.Dataset,
        MaxAttempts = change?.MaxAttempts ?? original.MaxAttempts,
        ScheduledAt = change?.ScheduledAt,
    };
}
