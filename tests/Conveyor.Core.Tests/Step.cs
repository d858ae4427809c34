namespace Conveyor.Core.Tests;

/// <summary>One operation of a walk and how far the clock moves before it (possibly not at all, or backwards).</summary>
public sealed record Step(JobOperation Operation, TimeSpan ClockMove)
{
    public override string ToString() => $"{Operation}{(ClockMove >= TimeSpan.Zero ? "+" : "")}{ClockMove.TotalMilliseconds}ms";
}
