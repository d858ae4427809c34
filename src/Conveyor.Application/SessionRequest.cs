namespace Conveyor.Application;

/// <summary>
/// <c>POST /ingest/session</c> as received (SPEC §5): a course, a title and one source. An uploaded file or an inline
/// transcript arrives as <see cref="File"/> (the transcript written to a file, so every source is read the same way);
/// <see cref="SourceUri"/> is fetched by the worker under the URL-source rules.
/// </summary>
public sealed record SessionRequest(string? CourseId, string? Title, ReceivedFile? File, bool InlineTranscript, string? SourceUri);
