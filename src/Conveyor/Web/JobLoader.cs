using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers;
using Microsoft.Extensions.Options;

namespace Conveyor.Web;

/// <summary>Reads the job page's contents from the store.</summary>
public sealed class JobLoader(IJobReader jobs, IRecordReader records, IJobLog log, ISessionStore sessions, IOptions<WorkerOptions> workers,
    TimeProvider time)
{
    /// <summary>How many log lines a job keeps, newest first (<c>Conveyor:Workers:LogLinesPerJob</c>).</summary>
    public int LogKeep => workers.Value.LogLinesPerJob;

    /// <param name="full">False for the live stream: the job, its retry and its events only (detection, rows and failures do not move while it shows).</param>
    public async Task<JobView?> LoadAsync(Guid id, bool full, CancellationToken ct)
    {
        var job = await jobs.GetAsync(id, ct);
        if (job is null) return null;
        var events = await jobs.GetEventsAsync(id, ct) ?? [];
        var retriedBy = job.Status == JobStatus.Failed ? await jobs.FindRetryAsync(id, ct) : null;
        var detection = !full ? null : await records.GetDetectionAsync(id, ct);
        var rows = !full || job.Dataset is null ? [] : await records.ListRecordsAsync(new RecordQuery { JobId = id, Limit = JobView.RowsShown }, ct);
        var failures = full && job.RecordsFailed > 0 ? await records.GetFailuresAsync(id, JobView.FailuresShown, ct) : [];
        var lines = full ? await log.ReadLogAsync(id, 0, ct) ?? [] : [];
        var course = full && job.SessionId is { } session ? (await sessions.GetSessionAsync(session, ct))?.CourseId : null;
        return new JobView(job, events, retriedBy, detection, rows, failures, time.GetUtcNow()) { Log = lines, CourseId = course };
    }

    /// <summary>The job's log lines after <paramref name="afterSeq"/> (the live stream reads only what is new).</summary>
    public async Task<IReadOnlyList<JobLogLine>> ReadLogAsync(Guid id, long afterSeq, CancellationToken ct) =>
        await log.ReadLogAsync(id, afterSeq, ct) ?? [];
}
