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

    /// <summary>
    /// Bytes one job's file may expand to once decompressed (a gzip's content; a plain file's size): past it the job
    /// fails, so a decompression bomb cannot fill the disk. Per job: <c>metadata.max_expanded_bytes</c> (admins).
    /// </summary>
    public long MaxExpandedBytes { get; set; } = 16L << 30;

    /// <summary>Rows (loaded and failed) one job may hold. Per job: <c>metadata.max_rows</c> (admins).</summary>
    public long MaxRows { get; set; } = 100_000_000;

    /// <summary>
    /// How many times its own size a gzip file may expand to (CSV and JSON compress 3 to 20 times; a bomb a thousand):
    /// checked from the first <see cref="ExpansionCheckAfterBytes"/>, so a bomb fails within a second. 0 turns it off.
    /// Per job: <c>metadata.max_expansion_ratio</c> (admins).
    /// </summary>
    public double MaxExpansionRatio { get; set; } = 200;

    /// <summary>Expanded bytes after which the ratio is checked (below it, any ratio is fine).</summary>
    public long ExpansionCheckAfterBytes { get; set; } = 16L << 20;

    public IEnumerable<string> Validate()
    {
        if (MaxExpandedBytes < 1) yield return $"{Section}:MaxExpandedBytes must be positive.";
        if (MaxRows < 1) yield return $"{Section}:MaxRows must be positive.";
        if (MaxExpansionRatio < 0) yield return $"{Section}:MaxExpansionRatio cannot be negative (0 turns the check off).";
        if (ExpansionCheckAfterBytes < 0) yield return $"{Section}:ExpansionCheckAfterBytes cannot be negative.";
        if (ErrorRatio is < 0 or > 1) yield return $"{Section}:ErrorRatio must be between 0 and 1.";
        if (KeptFailures < 0) yield return $"{Section}:KeptFailures cannot be negative.";
        if (ProgressEveryRows <= 0) yield return $"{Section}:ProgressEveryRows must be positive.";
    }
}
