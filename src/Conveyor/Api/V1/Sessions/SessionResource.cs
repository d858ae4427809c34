using Conveyor.Core;
using Conveyor.Sessions;
using Conveyor.Sessions.Pipeline;
using Conveyor.Sessions.Summaries;
using Conveyor.Storage;

namespace Conveyor.Api.V1.Sessions;

/// <summary>The tutor's badge of a session (SPEC §5): its label and the style that shows it.</summary>
public sealed record SessionBadgeResource(string Label, string Style)
{
    public static SessionBadgeResource Of(IEnumerable<Job> jobs)
    {
        var badge = SessionBadge.Of(jobs);
        return new SessionBadgeResource(badge.Label, badge.Style);
    }
}

/// <summary>One of a session's jobs, as the session shows it.</summary>
public sealed record SessionJobResource(Guid Id, string Type, JobStatus Status, DateTimeOffset UpdatedAt)
{
    public static SessionJobResource From(Job job) => new(job.Id, job.Type, job.Status, job.UpdatedAt);
}

/// <summary>A session (SPEC §5), <c>GET /api/v1/sessions/{id}</c>: <c>transcript</c> and <c>summary</c> are null until their job succeeded.</summary>
public sealed record SessionResource(Guid Id, string CourseId, string Title, bool Synthetic, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    SessionBadgeResource StatusBadge, IReadOnlyList<SessionJobResource> Jobs, Transcript? Transcript, Summary? Summary)
{
    public static SessionResource From(SessionRecord s) => new(s.Id, s.CourseId, s.Title, s.Synthetic, s.CreatedAt, s.UpdatedAt,
        SessionBadgeResource.Of(s.Jobs), s.Jobs.Select(SessionJobResource.From).ToList(), SessionJson.ReadTranscript(s.TranscriptJson),
        SessionJson.ReadSummary(s.SummaryJson));
}

/// <summary>A session as lists carry it: the same fields without <c>transcript</c>.</summary>
public sealed record SessionListItemResource(Guid Id, string CourseId, string Title, bool Synthetic, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt, SessionBadgeResource StatusBadge, IReadOnlyList<SessionJobResource> Jobs, Summary? Summary)
{
    public static SessionListItemResource From(SessionRecord s) => new(s.Id, s.CourseId, s.Title, s.Synthetic, s.CreatedAt, s.UpdatedAt,
        SessionBadgeResource.Of(s.Jobs), s.Jobs.Select(SessionJobResource.From).ToList(), SessionJson.ReadSummary(s.SummaryJson));
}

/// <summary>A page of sessions, newest first; <c>next_cursor</c> continues after the last (null on the last page).</summary>
public sealed record SessionListResource(IReadOnlyList<SessionListItemResource> Items, int Limit, string? NextCursor);

/// <summary><c>POST /ingest/session</c> as JSON: a course, a title and an inline <c>transcript</c> or a <c>source_uri</c>.</summary>
public sealed record IngestSessionRequest(string? CourseId, string? Title, string? Transcript, string? SourceUri);
