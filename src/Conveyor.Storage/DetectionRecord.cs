namespace Conveyor.Storage;

/// <summary>A detection result as stored: the detected content type and the full result as JSON.</summary>
public sealed record DetectionRecord(Guid JobId, string ContentType, string Result, DateTimeOffset DetectedAt);
