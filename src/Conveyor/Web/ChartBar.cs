namespace Conveyor.Web;

/// <summary>One bar: its label, its value, the value as the chart prints it, and a kind the stylesheet colours (a status name, or "plain").</summary>
public sealed record ChartBar(string Label, double Value, string Text, string Kind = "plain");
