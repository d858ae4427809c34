namespace Conveyor.Storage;

/// <summary>The sessions pipeline's store (SPEC §5): a session and its first job in one transaction, and reads with their jobs.</summary>
public interface ISessionStore
{
    /// <summary>
    /// Inserts the session and its queued <paramref name="job"/> (with its stored <paramref name="file"/>, if any) and the
    /// <c>session.create</c> audit event, all in one transaction, and returns the job as queued.
    /// </summary>
    Task<Core.Job> CreateSessionAsync(NewSession session, NewJob job, StoredFile? file, Core.AuditContext audit, CancellationToken ct);

    /// <summary>The session with its jobs, transcript and summary; null when there is none.</summary>
    Task<SessionRecord?> GetSessionAsync(Guid id, CancellationToken ct);

    /// <summary>A page of sessions with their jobs and summaries (transcripts only when the query asks for them).</summary>
    Task<SessionPage> ListSessionsAsync(SessionQuery query, CancellationToken ct);

    /// <summary>What a job produced (the JSON its handler recorded with its success); null when it recorded nothing.</summary>
    Task<string?> GetResultAsync(Guid jobId, CancellationToken ct);
}
