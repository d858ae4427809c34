namespace Conveyor.Ingestion.Sources;

/// <summary>URL sources (<c>Conveyor:Sources</c>): which hosts a job's <c>source_uri</c> may be fetched from.</summary>
public sealed class SourceOptions
{
    public const string Section = "Conveyor:Sources";

    /// <summary>Host names (exact, case-insensitive); empty means no URL sources at all.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Whether an allowed host may resolve to a loopback, private or link-local address.</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Largest download, in bytes.</summary>
    public long MaxBytes { get; set; } = 1L << 30;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);
}
