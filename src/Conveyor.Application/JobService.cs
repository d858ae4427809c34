using Conveyor.Core;
using Conveyor.Ingestion.Sources;
using Conveyor.Storage;
using Conveyor.Workers;

namespace Conveyor.Application;

/// <summary>
/// The job use cases: create (one, or a batch), cancel, requeue and retry-as-new. The rules live here: validation by
/// field, the URL-source check, idempotency, building the job; the store decides transitions and writes them with
/// their audit event. A request refused here leaves its <c>rejected</c> audit event too, so every call leaves one.
/// </summary>
public sealed class JobService(IJobAdmin jobs, IAuditLog audit, JobHandlerRegistry handlers, UrlFetcher urls)
{
    public const int MaxIdempotencyKeyLength = 255;

    /// <summary>
    /// Creates the job <paramref name="request"/> describes. With an <paramref name="idempotencyKey"/>, a repeat of the
    /// same request returns the job made the first time (<see cref="OutcomeKind.Unchanged"/>); another request under the same
    /// key is a <see cref="OutcomeKind.Conflict"/>.
    /// </summary>
    public async Task<Outcome<Job>> CreateAsync(JobCreateRequest request, string? idempotencyKey, AuditContext context, CancellationToken ct)
    {
        var key = string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey;
        var errors = Validate(request);
        if (key is not null && (key.Length > MaxIdempotencyKeyLength || key.Any(c => c < 0x21 || c > 0x7e)))
            errors["Idempotency-Key"] = [$"Must be 1-{MaxIdempotencyKeyLength} printable ASCII characters without spaces."];
        if (errors.Count > 0) return await RejectAsync<Job>(context, null, errors, ct);
        if (LimitsRefusal(request.Metadata, context) is { } refusal) return await ForbidAsync<Job>(context, null, refusal, ct);

        var job = NewJobs.From(request, context.Actor) with
        {
            IdempotencyKey = key,
            RequestHash = key is null ? null : IdempotencyHash.Of(request),
        };
        var created = await jobs.CreateAsync(job, context, ct);
        if (created.IdempotencyConflict) return Outcome.Conflict<Job>("This Idempotency-Key was used with a different request body.");
        return created.Created ? Outcome.Created(created.Job) : Outcome.Unchanged(created.Job);
    }

    /// <summary>Creates 1 to <see cref="JobDefaults.MaxBatchSize"/> jobs in one transaction, or none when any is invalid.</summary>
    public async Task<Outcome<IReadOnlyList<Job>>> CreateBatchAsync(IReadOnlyList<JobCreateRequest?>? requests, AuditContext context,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (requests is null || requests.Count == 0) errors["jobs"] = ["Give at least one job."];
        else if (requests.Count > JobDefaults.MaxBatchSize) errors["jobs"] = [$"At most {JobDefaults.MaxBatchSize} jobs per batch."];
        else
        {
            for (var i = 0; i < requests.Count; i++)
            {
                if (requests[i] is not { } request)
                {
                    errors[$"jobs[{i}]"] = ["Must be a job object."];
                    continue;
                }
                foreach (var (field, messages) in Validate(request)) errors[$"jobs[{i}].{field}"] = messages;
            }
        }
        if (errors.Count > 0) return await RejectAsync<IReadOnlyList<Job>>(context, null, errors, ct);
        foreach (var request in requests!)
        {
            if (LimitsRefusal(request!.Metadata, context) is { } refusal) return await ForbidAsync<IReadOnlyList<Job>>(context, null, refusal, ct);
        }

        var batch = context with { Details = $$"""{"count":{{requests!.Count}}}""" };
        var created = await jobs.CreateBatchAsync(requests.Select(r => NewJobs.From(r!, context.Actor)).ToList(), batch, ct);
        return Outcome.Created(created);
    }

    /// <summary>
    /// Cancels a job: a queued one at once, a running one by asking its worker to stop (<see cref="OutcomeKind.Done"/>); a
    /// job already cancelled or asked to stop is <see cref="OutcomeKind.Unchanged"/>; a finished one a conflict.
    /// </summary>
    public Task<Outcome<Job>> CancelAsync(Guid id, AuditContext context, CancellationToken ct) => ApplyAsync(id, JobOperation.Cancel, context, ct);

    /// <summary>Puts a failed job back in the queue, its attempt history kept; a queued or running job is <see cref="OutcomeKind.Unchanged"/>.</summary>
    public Task<Outcome<Job>> RequeueAsync(Guid id, AuditContext context, CancellationToken ct) => ApplyAsync(id, JobOperation.Requeue, context, ct);

    private async Task<Outcome<Job>> ApplyAsync(Guid id, JobOperation operation, AuditContext context, CancellationToken ct)
    {
        var applied = await jobs.ApplyAsync(id, operation, context, ct);
        if (applied.Job is null) return Outcome.NotFound<Job>($"Job {id}");
        return applied.Transition!.Kind switch
        {
            TransitionKind.Rejected => Outcome.Conflict<Job>(applied.Transition.Reason!),
            TransitionKind.NoOp => Outcome.Unchanged(applied.Job),
            _ => Outcome.Done(applied.Job),
        };
    }

    /// <summary>
    /// Seed 004's retry: a new job with the failed original's configuration, changed by <paramref name="change"/>, and
    /// <c>retry_of</c> set (<see cref="OutcomeKind.Created"/>); a repeat returns that same new job (<see cref="OutcomeKind.Unchanged"/>).
    /// </summary>
    public async Task<Outcome<Job>> RetryAsNewAsync(Guid id, ConfigOverride? change, AuditContext context, CancellationToken ct)
    {
        if (change is not null)
        {
            var errors = JobCreateRequestValidator.ValidateSettings(change.Mode, change.Priority, change.Metadata, change.Dataset, change.MaxAttempts)
                .ToDictionary(e => "config_override." + e.Key, e => e.Value, StringComparer.Ordinal);
            if (errors.Count > 0) return await RejectAsync<Job>(context, id.ToString(), errors, ct);
            if (LimitsRefusal(change.Metadata, context) is { } refusal) return await ForbidAsync<Job>(context, id.ToString(), refusal, ct);
        }

        var outcome = await jobs.RetryAsNewAsync(id, original => BuildRetry(original, change, context.Actor), context, ct);
        if (outcome.Original is null) return Outcome.NotFound<Job>($"Job {id}");
        if (outcome.Transition is { Kind: TransitionKind.Rejected } rejected) return Outcome.Conflict<Job>(rejected.Reason!);
        return outcome.Transition!.IsApplied ? Outcome.Created(outcome.Retry!) : Outcome.Unchanged(outcome.Retry!);
    }

    /// <summary>The new job of a retry-as-new: the original's configuration, changed by <paramref name="change"/>.</summary>
    internal static NewJob BuildRetry(Job original, ConfigOverride? change, string actor) =>
        NewJobs.From(NewJobs.RetryRequest(original, change), actor) with
        {
            SessionId = original.SessionId,
            Synthetic = original.Synthetic,
        };

    /// <summary>The request's errors by field: <see cref="JobCreateRequestValidator"/>'s, then the source's.</summary>
    private Dictionary<string, string[]> Validate(JobCreateRequest request)
    {
        var errors = JobCreateRequestValidator.Validate(request, handlers.IsKnown);
        if (errors.ContainsKey("source_uri")) return errors;
        // An http(s) source_uri is fetched by the worker, so it is checked now against Conveyor:Sources (allowed hosts,
        // private addresses): a refused source is a 400 at create time that says why, not a failed job later.
        var loads = request.Type is "csv" or "json" or "ndjson";
        if (request.SourceUri is { } uri && (loads || UrlFetcher.IsHttp(uri)) && urls.Refusal(uri) is { } refusal)
            errors["source_uri"] = [refusal];
        else if (loads && request.SourceUri is null)
            errors["source_uri"] = [$"A {request.Type} job created here loads from an http(s) source_uri; upload files with POST /api/v1/upload."];
        return errors;
    }

    /// <summary>Why the metadata may not set a job's ingestion limits for this caller (only an admin may), or null.</summary>
    internal static string? LimitsRefusal(System.Text.Json.JsonElement? metadata, AuditContext context) =>
        Ingestion.IngestionLimits.Refusal(metadata, isAdmin: context.Role == AdminRole);

    /// <summary>The role that may change a job's ingestion limits (the access model's top role).</summary>
    internal const string AdminRole = "admin";

    private async Task<Outcome<T>> ForbidAsync<T>(AuditContext context, string? target, string detail, CancellationToken ct)
    {
        await audit.AppendAuditAsync(context, target, AuditOutcomes.Rejected, ct);
        return Outcome.Forbidden<T>(detail);
    }

    private async Task<Outcome<T>> RejectAsync<T>(AuditContext context, string? target, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        await audit.AppendAuditAsync(context, target, AuditOutcomes.Rejected, ct);
        return Outcome.Invalid<T>(errors);
    }
}
