namespace Conveyor.Api.V1;

/// <summary>A job's own log, oldest line first.</summary>
public sealed record JobLogResource(Guid JobId, IReadOnlyList<JobLogLineResource> Items);

/// <summary>One line a handler logged for its job.</summary>
public sealed record JobLogLineResource(long Seq, DateTimeOffset At, int Attempt, string Level, string Message);
