using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>
/// What ingestion keeps beside the jobs: stored files, detection results, loaded rows (<c>records</c>) and the
/// rows that failed to parse. Loads are fenced by the job's lease, so a worker that lost its job writes nothing.
/// </summary>
public interface IRecordStore
{
    /// <summary>Creates queued jobs together with their stored files (and detection results) in one transaction.</summary>
    Task<IReadOnlyList<Core.Job>> CreateWithFilesAsync(IReadOnlyList<NewUpload> uploads, AuditContext audit, CancellationToken ct);

    Task<StoredFile?> GetFileAsync(Guid jobId, CancellationToken ct);

    /// <summary>Writes (or replaces) the detection result of a job.</summary>
    Task SaveDetectionAsync(DetectionRecord detection, CancellationToken ct);

    Task<DetectionRecord?> GetDetectionAsync(Guid jobId, CancellationToken ct);

    /// <summary>
    /// Starts a load of the job's rows: checks the fence, and removes whatever an earlier attempt left. Rows become
    /// part of the job's dataset when <see cref="IRecordLoad.CompleteAsync"/> returns; disposing without completing
    /// abandons them.
    /// </summary>
    Task<IRecordLoad> BeginLoadAsync(LoadFence fence, CancellationToken ct);

    /// <summary>Replaces the job's parse failures without loading rows (a load abandoned past its error ratio).</summary>
    Task SaveFailuresAsync(LoadFence fence, IReadOnlyList<RecordFailure> failures, CancellationToken ct);

    Task<IReadOnlyList<RecordFailure>> GetFailuresAsync(Guid jobId, int limit, CancellationToken ct);

    /// <summary>One page of rows, in (job, row number) order after <see cref="RecordQuery.After"/>.</summary>
    Task<IReadOnlyList<RecordRow>> ListRecordsAsync(RecordQuery query, CancellationToken ct);

    /// <summary>Datasets that have at least one succeeded job, with their row counts.</summary>
    Task<IReadOnlyList<DatasetSummary>> ListDatasetsAsync(CancellationToken ct);
}
