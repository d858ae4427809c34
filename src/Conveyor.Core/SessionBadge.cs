namespace Conveyor.Core;

/// <summary>The tutor's badge for a session (SPEC §5): a pure function of the session's pipeline jobs.</summary>
public readonly record struct SessionBadge(string Label, string Style)
{
    public static readonly SessionBadge Draft = new("Draft", "neutral");
    public static readonly SessionBadge Queued = new("Queued", "info");
    public static readonly SessionBadge Transcribing = new("Transcribing", "progress");
    public static readonly SessionBadge Summarizing = new("Summarizing", "progress");
    public static readonly SessionBadge Ready = new("Ready", "success");
    public static readonly SessionBadge Failed = new("Failed", "danger");
    public static readonly SessionBadge Cancelled = new("Cancelled", "muted");

    /// <summary>
    /// The badge of the session whose jobs these are. Only <c>transcription</c> and <c>summarization</c> jobs count;
    /// the latest of them (created last; on a tie, summarization after transcription, then by id) decides. A retry in
    /// place moves that job back to queued; a retry as new is a later job; so the latest job is the session's state.
    /// </summary>
    public static SessionBadge Of(IEnumerable<Job> jobs)
    {
        Job? latest = null;
        foreach (var job in jobs)
        {
            if (Stage(job.Type) < 0) continue;
            if (latest is null || IsLater(job, latest)) latest = job;
        }
        if (latest is null) return Draft;
        var summarization = latest.Type == SessionJobTypes.Summarization;
        return latest.Status switch
        {
            JobStatus.Queued => Queued,
            JobStatus.Running => summarization ? Summarizing : Transcribing,
            // A transcription that succeeded is followed by its summarization in the same transaction; until that
            // job shows (or if it was pruned), the session waits for it.
            JobStatus.Succeeded => summarization ? Ready : Queued,
            JobStatus.Failed => Failed,
            JobStatus.Cancelled => Cancelled,
            _ => throw new ArgumentOutOfRangeException(nameof(jobs), latest.Status, null),
        };
    }

    private static bool IsLater(Job job, Job than)
    {
        var byCreation = job.CreatedAt.CompareTo(than.CreatedAt);
        if (byCreation != 0) return byCreation > 0;
        var byStage = Stage(job.Type).CompareTo(Stage(than.Type));
        if (byStage != 0) return byStage > 0;
        return job.Id.CompareTo(than.Id) > 0;
    }

    private static int Stage(string type) => type switch
    {
        SessionJobTypes.Transcription => 0,
        SessionJobTypes.Summarization => 1,
        _ => -1,
    };
}
