namespace Conveyor.Client;

/// <summary>A session as <c>GET /api/v1/sessions/{id}</c> returns it: <see cref="Transcript"/> and <see cref="Summary"/> are null until their job succeeded.</summary>
public sealed record Session(Guid Id, string CourseId, string Title, bool Synthetic, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    SessionBadge StatusBadge, IReadOnlyList<SessionJob> Jobs, Transcript? Transcript, SessionSummary? Summary);

/// <summary>A session as lists carry it: the same fields without the transcript.</summary>
public sealed record SessionListItem(Guid Id, string CourseId, string Title, bool Synthetic, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    SessionBadge StatusBadge, IReadOnlyList<SessionJob> Jobs, SessionSummary? Summary);

/// <summary>One page of sessions, newest first; <see cref="NextCursor"/> continues it (null on the last page).</summary>
public sealed record SessionPage(IReadOnlyList<SessionListItem> Items, int Limit, string? NextCursor);

/// <summary>The tutor's badge of a session: its label (<c>Ready</c>, <c>Processing</c>…) and the style that shows it.</summary>
public sealed record SessionBadge(string Label, string Style);

/// <summary>One of a session's jobs (transcription, summarization).</summary>
public sealed record SessionJob(Guid Id, string Type, JobStatus Status, DateTimeOffset UpdatedAt);

/// <summary>A session's transcript: its source format (<c>webvtt</c>, <c>srt</c>, <c>text</c>, <c>audio</c>), text and timed segments.</summary>
public sealed record Transcript(string Format, string? Language, double? DurationSeconds, string Text, IReadOnlyList<TranscriptSegment> Segments);

/// <summary>One timed segment of a transcript, indexed from 0.</summary>
public sealed record TranscriptSegment(int Index, double? StartSeconds, double? EndSeconds, string? Speaker, string Text);

/// <summary>A session's summary (<c>extractive</c>): its text, key points and word count.</summary>
public sealed record SessionSummary(string Method, string Text, IReadOnlyList<string> KeyPoints, int WordCount);

/// <summary>Filters of <c>GET /api/v1/sessions</c>.</summary>
public sealed record SessionQuery
{
    public string? CourseId { get; init; }
    public bool? Synthetic { get; init; }
    public int? Limit { get; init; }
    public string? Cursor { get; init; }
}

/// <summary>
/// A new session for <c>POST /ingest/session</c>: a course, a title and exactly one source, a file (captions, a text
/// transcript or audio), an inline <see cref="Transcript"/> or a <see cref="SourceUri"/> the worker fetches.
/// </summary>
public sealed record NewSession(string CourseId, string Title)
{
    public UploadFile? File { get; init; }
    public string? Transcript { get; init; }
    public Uri? SourceUri { get; init; }
}
