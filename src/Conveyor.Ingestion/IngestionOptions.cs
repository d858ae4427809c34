namespace Conveyor.Ingestion;

/// <summary>Loader settings (<c>Conveyor:Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string Section = "Conveyor:Ingestion";

    /// <summary>Share of rows that may fail to parse before the job fails (per job: <c>metadata.error_ratio</c>).</summary>
    public double ErrorRatio { get; set; } = 0.05;

    /// <summary>Parse failures kept per job, with line number and reason.</summary>
    public int KeptFailures { get; set; } = 1000;

    /// <summary>Rows between progress reports (the worker flushes them to the store on its own interval).</summary>
    public int ProgressEveryRows { get; set; } = 10_000;

    public IEnumerable<string> Validate()
    {
        if (ErrorRatio is < 0 or > 1) yield return $"{Section}:ErrorRatio must be between 0 and 1.";
        if (KeptFailures < 0) yield return $"{Section}:KeptFailures cannot be negative.";
        if (ProgressEveryRows <= 0) yield return $"{Section}:ProgressEveryRows must be positive.";
    }
}
