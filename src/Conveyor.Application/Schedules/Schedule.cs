using Conveyor.Core;
using Cronos;

namespace Conveyor.Application.Schedules;

/// <summary>A periodic job: at every tick of <see cref="Cron"/> (in <see cref="Zone"/>), one job made from <see cref="Request"/>.</summary>
public sealed record Schedule(string Name, string CronText, CronExpression Cron, TimeZoneInfo Zone, JobCreateRequest Request)
{
    /// <summary>The idempotency key of one tick's job: the same on every node, so a tick is enqueued once.</summary>
    public string KeyOf(DateTimeOffset tick) => $"schedule:{Name}:{tick.ToUnixTimeMilliseconds()}";

    /// <summary>The first tick after <paramref name="after"/>, if the expression has one.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) => Cron.GetNextOccurrence(after, Zone, inclusive: false);

    /// <summary>The ticks after <paramref name="after"/> up to and including <paramref name="now"/>, oldest first.</summary>
    public IEnumerable<DateTimeOffset> DueBetween(DateTimeOffset after, DateTimeOffset now) =>
        Cron.GetOccurrences(after, now, Zone, fromInclusive: false, toInclusive: true);
}
