namespace Conveyor.Storage;

/// <summary>One loaded row: its job, its 1-based number within the job and its JSON object.</summary>
public sealed record RecordRow(Guid JobId, long RowNumber, string Dataset, string Data);
