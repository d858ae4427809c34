namespace Conveyor.Storage;

/// <summary>
/// A line a handler logged for its job: when, in which attempt, at what level, and the message. <see cref="Seq"/> numbers a
/// job's lines from 1 in the order they were logged (0 until stored); <see cref="SkippedBefore"/> counts lines logged just
/// before this one that were dropped on the way (a handler logging faster than the bound), so the numbers still say so.
/// </summary>
public sealed record JobLogLine(Guid JobId, DateTimeOffset At, int Attempt, string Level, string Message, long Seq = 0, long SkippedBefore = 0);
