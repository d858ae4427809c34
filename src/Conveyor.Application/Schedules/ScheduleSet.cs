namespace Conveyor.Application.Schedules;

/// <summary>The schedules this install runs, from <c>Conveyor:Schedules</c> (validated at start).</summary>
public sealed record ScheduleSet(IReadOnlyList<Schedule> Schedules);
