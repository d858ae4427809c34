namespace Conveyor.Storage;

/// <summary>
/// What an ingestion handler needs: the job's stored file, its detection result to save, and its rows to load. Loads
/// are fenced by the job's lease, so a worker that lost its job writes nothing.
/// </summary>
public interface IRecordLoader
{
    Task<StoredFile?> GetFileAsync(Guid jobId, CancellationToken ct);

    /// <summary>Writes (or replaces) the detection result of a job.</summary>
    Task SaveDetectionAsync(DetectionRecord detection, CancellationToken ct);

    /// <summary>
    /// Starts a load of the job's rows: checks the fence, and removes whatever an earlier attempt left. Rows become
    /// part of the job's dataset when <see cref="IRecordLoad.CompleteAsync"/> returns; disposing without completing
    /// abandons them.
    /// </summary>
    Task<IRecordLoad> BeginLoadAsync(LoadFence fence, CancellationToken ct);

    /// <summary>Replaces the job's parse failures without loading rows (a load abandoned past its error ratio).</summary>
    Task SaveFailuresAsync(LoadFence fence, IReadOnlyList<RecordFailure> failures, CancellationToken ct);
}
