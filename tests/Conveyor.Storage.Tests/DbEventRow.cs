namespace Conveyor.Storage.Tests;

/// <summary>A <c>job_events</c> row as raw SQL reads it.</summary>
public sealed record DbEventRow(long Id, string Type, string? FromStatus, string? ToStatus, DateTimeOffset At, string Actor);
