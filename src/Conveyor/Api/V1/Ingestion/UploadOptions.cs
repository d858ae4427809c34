namespace Conveyor.Api.V1.Ingestion;

/// <summary>Upload limits (<c>Conveyor:Uploads</c>).</summary>
public sealed class UploadOptions
{
    public const string Section = "Conveyor:Uploads";

    /// <summary>Largest accepted file, per file (<c>Conveyor__Uploads__MaxFileBytes</c>, 1 GiB).</summary>
    public long MaxFileBytes { get; set; } = 1L << 30;

    /// <summary>Files in one multipart request.</summary>
    public int MaxFiles { get; set; } = 20;

    /// <summary>Largest whole request (all files and fields).</summary>
    public long MaxRequestBytes { get; set; } = 4L << 30;

    public IEnumerable<string> Validate()
    {
        if (MaxFileBytes <= 0) yield return $"{Section}:MaxFileBytes must be positive.";
        if (MaxFiles <= 0) yield return $"{Section}:MaxFiles must be positive.";
        if (MaxRequestBytes < MaxFileBytes) yield return $"{Section}:MaxRequestBytes must be at least MaxFileBytes.";
    }
}
