namespace Conveyor.Storage;

/// <summary>Percentiles as PostgreSQL's <c>percentile_cont</c> computes them, for a driver whose database has none.</summary>
public static class Percentiles
{
    /// <summary>The <paramref name="fraction"/> percentile of <paramref name="sorted"/> (ascending), interpolated between neighbours.</summary>
    public static double Continuous(IReadOnlyList<double> sorted, double fraction)
    {
        if (sorted.Count == 0) return 0;
        var position = fraction * (sorted.Count - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }
}
