namespace Conveyor.Storage;

/// <summary>The latest counters of a running job; written in batches, never per row.</summary>
public sealed record ProgressUpdate(Guid Id, long RecordsProcessed, long RecordsFailed, long? RecordsTotal);
