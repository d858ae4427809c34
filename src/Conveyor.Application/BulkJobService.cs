using System.Text.Json;
using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Application;

/// <summary>
/// Bulk actions over everything a list filter matches, not only a page: first the count (a dry run), then the action,
/// applied server-side in batches of <see cref="BatchSize"/> jobs, each batch one transaction in which every job changed
/// gets its own event. The whole action writes one audit event (its action, filter and the count matched), appended
/// with the first batch, and every job event of every batch carries its id.
/// </summary>
public sealed class BulkJobService(IJobReader reader, IJobAdmin admin, IAuditLog audit)
{
    public const int BatchSize = 500;

    /// <summary>How many ids one read of the walk takes: the matching ids are read first, then changed batch by batch.</summary>
    private const int WalkPage = 10_000;

    /// <summary>The actions, by their names on the wire.</summary>
    public static readonly IReadOnlyDictionary<string, JobOperation> Actions = new Dictionary<string, JobOperation>(StringComparer.Ordinal)
    {
        ["cancel"] = JobOperation.Cancel,
        ["requeue"] = JobOperation.Requeue,
        ["retry"] = JobOperation.RetryAsNew,
    };

    /// <summary>
    /// Counts what <paramref name="filter"/> matches (<paramref name="dryRun"/>: nothing else), or applies
    /// <paramref name="action"/> to every job it matched when the action began. Jobs that change meanwhile are decided on
    /// their state under their lock, as a single call would be: already so (unchanged) or refused (rejected).
    /// </summary>
    public async Task<Outcome<BulkResult>> RunAsync(string? action, JobQuery filter, bool dryRun, AuditContext context, CancellationToken ct)
    {
        if (action is null || !Actions.TryGetValue(action, out var operation))
        {
            await audit.AppendAuditAsync(context, null, AuditOutcomes.Rejected, ct);
            return Outcome.Invalid<BulkResult>(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["action"] = [$"Use one of {string.Join(", ", Actions.Keys)}."],
            });
        }
        var matching = filter with { After = null, Offset = null, Page = 1, CountLimit = null };
        if (dryRun) return Outcome.Done(new BulkResult(action, true, await reader.CountAsync(matching, ct), 0, 0, 0));

        var ids = new List<Guid>();
        for (Guid? after = null; ;)
        {
            var page = await reader.ListIdsAsync(matching, after, WalkPage, ct);
            ids.AddRange(page);
            if (page.Count < WalkPage) break;
            after = page[^1];
        }

        var bulk = context with { Details = Details(action, matching, ids.Count) };
        if (ids.Count == 0)
        {
            await audit.AppendAuditAsync(bulk, null, AuditOutcomes.NoOp, ct);
            return Outcome.Unchanged(new BulkResult(action, false, 0, 0, 0, 0));
        }
        long changed = 0, unchanged = 0, rejected = 0;
        for (var start = 0; start < ids.Count; start += BatchSize)
        {
            var batch = ids.GetRange(start, Math.Min(BatchSize, ids.Count - start));
            var outcome = await admin.ApplyManyAsync(new BulkApply(batch, operation, bulk, AppendAudit: start == 0,
                operation == JobOperation.RetryAsNew ? original => JobService.BuildRetry(original, null, context.Actor) : null), ct);
            changed += outcome.Changed.Count;
            unchanged += outcome.Unchanged;
            // A job deleted since the walk read its id is as good as refused: it was not changed.
            rejected += outcome.Rejected + outcome.Missing;
        }
        var result = new BulkResult(action, false, ids.Count, changed, unchanged, rejected);
        return changed > 0 ? Outcome.Done(result) : Outcome.Unchanged(result);
    }

    /// <summary>The audit event's details: the action, the filter as it was applied, and the count it matched.</summary>
    internal static string Details(string action, JobQuery filter, long count)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("action", action);
            json.WriteStartObject("filter");
            if (filter.Statuses.Count > 0)
            {
                json.WriteStartArray("status");
                foreach (var status in filter.Statuses) json.WriteStringValue(status.ToName());
                json.WriteEndArray();
            }
            if (filter.Type is { } type) json.WriteString("type", type);
            if (filter.SourceType is { } sourceType) json.WriteString("source_type", sourceType);
            if (filter.Dataset is { } dataset) json.WriteString("dataset", dataset);
            if (filter.SessionId is { } session) json.WriteString("session_id", session);
            if (filter.Search is { } search) json.WriteString("q", search);
            json.WriteEndObject();
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>What a bulk action matched and did; a dry run only counts (<see cref="Matched"/>).</summary>
public sealed record BulkResult(string Action, bool DryRun, long Matched, long Changed, long Unchanged, long Rejected);
