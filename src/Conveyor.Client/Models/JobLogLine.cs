namespace Conveyor.Client;

/// <summary>One line a handler logged for its job (<c>GET /api/v1/jobs/{id}/log</c>).</summary>
public sealed record JobLogLine(long Seq, DateTimeOffset At, int Attempt, string Level, string Message);
