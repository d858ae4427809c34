namespace Conveyor.Storage;

/// <summary>A dataset: its succeeded jobs, their rows, and when the latest of them finished.</summary>
public sealed record DatasetSummary(string Name, long Jobs, long Records, DateTimeOffset? UpdatedAt);

/// <summary>The SQL both drivers run for <see cref="IRecordStore.ListDatasetsAsync"/>.</summary>
internal static class DatasetSummarySql
{
    /// <summary>
    /// Datasets of succeeded jobs: name, jobs, rows (a succeeded job's <c>records_processed</c> is the number of rows
    /// its load committed) and the last completion.
    /// </summary>
    public const string List = """
        SELECT j.dataset, count(*), CAST(coalesce(sum(j.records_processed), 0) AS BIGINT), max(j.completed_at)
        FROM jobs j WHERE j.dataset IS NOT NULL AND j.status = 'succeeded'
        GROUP BY j.dataset ORDER BY j.dataset
        """;
}
