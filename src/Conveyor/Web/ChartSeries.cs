namespace Conveyor.Web;

/// <summary>A named series of (time, value) points for a line chart; its kind picks the stroke (solid, or dashed for failures).</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points, string Kind = "plain");

public sealed record ChartPoint(DateTimeOffset At, double Value);
