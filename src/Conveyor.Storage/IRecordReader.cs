namespace Conveyor.Storage;

/// <summary>What the API reads of ingestion: detection results, parse failures, loaded rows and datasets.</summary>
public interface IRecordReader
{
    Task<DetectionRecord?> GetDetectionAsync(Guid jobId, CancellationToken ct);

    Task<IReadOnlyList<RecordFailure>> GetFailuresAsync(Guid jobId, int limit, CancellationToken ct);

    /// <summary>One page of rows, in (job, row number) order after <see cref="RecordQuery.After"/>.</summary>
    Task<IReadOnlyList<RecordRow>> ListRecordsAsync(RecordQuery query, CancellationToken ct);

    /// <summary>Datasets that have at least one succeeded job, with their row counts.</summary>
    Task<IReadOnlyList<DatasetSummary>> ListDatasetsAsync(CancellationToken ct);
}
