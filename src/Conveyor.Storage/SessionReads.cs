using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>A session's own row, as a driver reads it.</summary>
public sealed record SessionRow(Guid Id, string CourseId, string Title, bool Synthetic, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>
/// The session reads, written once for both drivers over three reads each driver supplies: a page of session rows, the
/// jobs of those sessions, and the results of some jobs. Which results a session shows (its latest succeeded
/// transcription and summarization) is decided here, from the jobs.
/// </summary>
public sealed class SessionReads(
    Func<SessionQuery, Guid?, CancellationToken, Task<List<SessionRow>>> rows,
    Func<IReadOnlyList<Guid>, CancellationToken, Task<List<Job>>> jobsOf,
    Func<IReadOnlyList<Guid>, CancellationToken, Task<Dictionary<Guid, string>>> resultsOf)
{
    public async Task<SessionRecord?> GetAsync(Guid id, CancellationToken ct)
    {
        var found = await rows(new SessionQuery(Limit: 1), id, ct);
        if (found.Count == 0) return null;
        var records = await AssembleAsync(found, withTranscripts: true, ct);
        return records[0];
    }

    public async Task<string?> GetResultAsync(Guid jobId, CancellationToken ct) =>
        (await resultsOf([jobId], ct)).GetValueOrDefault(jobId);

    public async Task<SessionPage> PageAsync(SessionQuery query, CancellationToken ct)
    {
        var found = await rows(query with { Limit = query.Limit + 1 }, null, ct);
        var more = found.Count > query.Limit;
        if (more) found.RemoveAt(found.Count - 1);
        var records = await AssembleAsync(found, query.WithTranscripts, ct);
        SessionCursor? next = more ? new SessionCursor(found[^1].CreatedAt, found[^1].Id) : null;
        return new SessionPage(records, next);
    }

    private async Task<IReadOnlyList<SessionRecord>> AssembleAsync(List<SessionRow> found, bool withTranscripts, CancellationToken ct)
    {
        if (found.Count == 0) return [];
        var jobs = (await jobsOf(found.Select(r => r.Id).ToList(), ct))
            .Where(j => j.SessionId is not null)
            .GroupBy(j => j.SessionId!.Value)
            .ToDictionary(g => g.Key, g => g.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).ToList());
        var wanted = new List<Guid>();
        foreach (var sessionJobs in jobs.Values)
        {
            if (withTranscripts && SessionRecord.ResultJob(sessionJobs, SessionJobTypes.Transcription) is { } t) wanted.Add(t.Id);
            if (SessionRecord.ResultJob(sessionJobs, SessionJobTypes.Summarization) is { } s) wanted.Add(s.Id);
        }
        var results = wanted.Count == 0 ? [] : await resultsOf(wanted, ct);
        return found.Select(row =>
        {
            var sessionJobs = jobs.TryGetValue(row.Id, out var list) ? list : [];
            string? Result(string type) =>
                SessionRecord.ResultJob(sessionJobs, type) is { } job && results.TryGetValue(job.Id, out var json) ? json : null;
            return new SessionRecord(row.Id, row.CourseId, row.Title, row.Synthetic, row.CreatedBy, row.CreatedAt, sessionJobs,
                withTranscripts ? Result(SessionJobTypes.Transcription) : null, Result(SessionJobTypes.Summarization));
        }).ToList();
    }
}
