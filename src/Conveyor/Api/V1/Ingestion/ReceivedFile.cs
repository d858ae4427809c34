using Conveyor.Ingestion.Detection;

namespace Conveyor.Api.V1.Ingestion;

/// <summary>A file written under the storage root for a job not yet created; <see cref="Directory"/> goes if the upload fails.</summary>
public sealed record ReceivedFile(Guid JobId, string RelativePath, string Directory, long Size, string Sha256, SniffResult Sniff,
    DetectionResult? Detection);
