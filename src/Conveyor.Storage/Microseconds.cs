namespace Conveyor.Storage;

/// <summary>Extension helpers for microsecond timestamps, the precision both stores keep.</summary>
public static class Microseconds
{
    public static long ToUnixTimeMicroseconds(this DateTimeOffset value) =>
        (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromUnixTimeMicroseconds(long micros) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + micros * 10, TimeSpan.Zero);

    /// <summary>Drops sub-microsecond ticks so a value reads back exactly as written.</summary>
    public static DateTimeOffset Truncate(this DateTimeOffset value) => FromUnixTimeMicroseconds(value.ToUnixTimeMicroseconds());
}
