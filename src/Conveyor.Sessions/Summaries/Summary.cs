namespace Conveyor.Sessions.Summaries;

/// <summary>A session's summary (SPEC §5): how it was made, its text, its key points and the text's word count.</summary>
public sealed record Summary(string Method, string Text, IReadOnlyList<string> KeyPoints, int WordCount);
