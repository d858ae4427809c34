namespace Conveyor.Application.Retention;

/// <summary>The <c>Conveyor:Retention</c> section: how long finished jobs are kept, and how the leader prunes them.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Conveyor:Retention";

    /// <summary>Finished jobs (succeeded, failed, cancelled) older than this many days are pruned; 0 (the default) keeps them all.</summary>
    public double Days { get; set; }

    /// <summary>
    /// Whether a succeeded load's records go with its job. Off (the default), jobs that loaded records are kept, since a
    /// dataset is read through its succeeded jobs; on, they are pruned and their records with them.
    /// </summary>
    public bool DeleteRecords { get; set; }

    /// <summary>Jobs deleted per transaction: small, so each commits quickly and never holds up claims.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How often the leader prunes and sweeps.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>An upload directory holding no job's stored file is swept once it is this old (an upload in progress writes its file before its job).</summary>
    public TimeSpan OrphanAge { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<string> Validate()
    {
        if (Days < 0) yield return $"{Section}:Days cannot be negative (0 keeps every job).";
        if (BatchSize is < 1 or > 10_000) yield return $"{Section}:BatchSize must be between 1 and 10000.";
        if (Interval <= TimeSpan.Zero) yield return $"{Section}:Interval must be positive.";
        if (OrphanAge < TimeSpan.FromMinutes(1)) yield return $"{Section}:OrphanAge must be at least a minute, or uploads in progress would be swept.";
    }
}
