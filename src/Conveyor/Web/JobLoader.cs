using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Web;

/// <summary>Reads the job page's contents from the store.</summary>
public sealed class JobLoader(IJobReader jobs, IRecordReader records, TimeProvider time)
{
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
        return new JobView(job, events, retriedBy, detection, rows, failures, time.GetUtcNow());
    }
}
