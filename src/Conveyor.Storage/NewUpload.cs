namespace Conveyor.Storage;

/// <summary>A job to create with the file it was stored from and, when known, its detection result JSON.</summary>
public sealed record NewUpload(NewJob Job, StoredFile File, string? DetectionContentType, string? DetectionResult);
