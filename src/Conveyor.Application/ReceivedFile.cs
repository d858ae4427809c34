using Conveyor.Ingestion.Detection;

namespace Conveyor.Application;

/// <summary>A file written under the storage root for a job not yet created; <see cref="Directory"/> goes if the upload fails.</summary>
public sealed record ReceivedFile(Guid JobId, string RelativePath, string Directory, long Size, string Sha256, SniffResult Sniff,
    DetectionResult? Detection)
{
    /// <summary>The file's name as the client gave it (made safe to show), kept as the job's <c>file_name</c>; null for a bare body.</summary>
    public string? ClientName { get; init; }
}
