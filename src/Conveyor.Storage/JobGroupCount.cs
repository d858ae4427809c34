using System.Data.Common;

namespace Conveyor.Storage;

/// <summary>
/// How many jobs of one group (a status, a type) match a filter. When <see cref="Capped"/>, more than <see cref="Count"/>
/// match: the count stopped at the query's <see cref="JobQuery.CountLimit"/>.
/// </summary>
public sealed record JobGroupCount(string Value, long Count, bool Capped)
{
    /// <summary>A count read with <see cref="JobListSql.CountLimitValue"/> (one over the cap): over the cap is capped.</summary>
    internal static JobGroupCount Of(string value, long counted, JobQuery query) =>
        query.CountLimit is { } limit && counted > limit ? new(value, limit, true) : new(value, counted, false);

    /// <summary>
    /// Counts over jobs named by id (<see cref="JobQuery.Ids"/>, a narrow search's matches): one read of those jobs, grouped,
    /// no more rows than ids. <paramref name="filter"/> is the statement's WHERE for the query.
    /// </summary>
    internal static string GroupedSql(JobCountField field, string filter) => $"SELECT {Column(field)}, count(*) FROM jobs WHERE {filter} GROUP BY 1";

    /// <summary>The counts of <paramref name="values"/>, in their order, from the rows of <see cref="GroupedSql"/> (a value not found is 0).</summary>
    internal static async Task<IReadOnlyList<JobGroupCount>> ReadGroupedAsync(DbDataReader rows, IReadOnlyList<string> values, JobQuery query,
        CancellationToken ct)
    {
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await rows.ReadAsync(ct)) found[rows.GetString(0)] = rows.GetInt64(1);
        return [.. values.Select(v => Of(v, found.GetValueOrDefault(v), query))];
    }

    /// <summary>The column a <see cref="JobCountField"/> names (whitelisted: it goes into the statement's text).</summary>
    internal static string Column(JobCountField field) => field switch
    {
        JobCountField.Status => "status",
        JobCountField.Type => "type",
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "Jobs are counted by status or by type."),
    };
}
