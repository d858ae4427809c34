using System.Globalization;
using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>
/// Builds the WHERE and ORDER BY of a job list from a validated <see cref="JobQuery"/>. Both drivers use it;
/// each binds the parameter values in its own types (a time is µs on SQLite, timestamptz on PostgreSQL).
/// </summary>
internal sealed class JobListSql
{
    private readonly List<(string Name, object Value)> _filterParameters = [];
    private readonly List<(string Name, object Value)> _pageParameters = [];

    public string Filter { get; }
    public string PageFilter { get; }
    public string OrderBy { get; }
    public IReadOnlyList<(string Name, object Value)> FilterParameters => _filterParameters;

    /// <summary>Filter parameters followed by those of the keyset position.</summary>
    public IEnumerable<(string Name, object Value)> PageParameters => _filterParameters.Concat(_pageParameters);

    /// <param name="search">The driver's search: a clause over the index that tests <c>@search</c>, and the value it binds
    /// for a <see cref="JobQuery.Search"/> text.</param>
    /// <param name="ids">The driver's clause for <see cref="JobQuery.Ids"/>.</param>
    public JobListSql(JobQuery query, Func<DateTimeOffset, object> time, Func<Guid, object> id, JobSearchSql search, JobIdsSql ids)
    {
        var clauses = new List<string>();
        if (query.Statuses.Count > 0)
        {
            var names = new List<string>();
            for (var i = 0; i < query.Statuses.Count; i++)
            {
                names.Add($"@status{i}");
                _filterParameters.Add(($"status{i}", query.Statuses[i].ToName()));
            }
            clauses.Add($"status IN ({string.Join(", ", names)})");
        }
        AddEquals(clauses, "type", query.Type);
        AddEquals(clauses, "source_type", query.SourceType);
        AddEquals(clauses, "dataset", query.Dataset);
        if (query.SessionId is { } session)
        {
            clauses.Add("session_id = @session_id");
            _filterParameters.Add(("session_id", id(session)));
        }
        if (query.Search is { } text)
        {
            if (text.Length is < JobQuery.MinSearchLength or > JobQuery.MaxSearchLength)
                throw new ArgumentException($"A search is {JobQuery.MinSearchLength}-{JobQuery.MaxSearchLength} characters.", nameof(query));
            clauses.Add(search.Clause);
            _filterParameters.Add(("search", search.Bind(text)));
        }
        if (query.Ids is { } only)
        {
            clauses.Add(ids.Clause);
            _filterParameters.Add(("ids", ids.Bind(only)));
        }
        Filter = clauses.Count == 0 ? "TRUE" : string.Join(" AND ", clauses);

        var column = JobColumns.SortColumn(query.SortBy);
        var direction = query.Descending ? "DESC" : "ASC";
        OrderBy = $"{column} {direction}, id {direction}";

        if (query.After is { } after)
        {
            var op = query.Descending ? "<" : ">";
            PageFilter = $"{Filter} AND ({column} {op} @after_key OR ({column} = @after_key AND id {op} @after_id))";
            _pageParameters.Add(("after_key", KeyValue(query.SortBy, after.Key, time)));
            _pageParameters.Add(("after_id", id(after.Id)));
        }
        else
        {
            PageFilter = Filter;
        }
    }

    /// <summary>The value of <c>@count_limit</c>: one more than the cap, so a capped count says there is more.</summary>
    public static long CountLimitValue(JobQuery query) => (query.CountLimit ?? 0) + 1;

    private void AddEquals(List<string> clauses, string column, string? value)
    {
        if (value is null) return;
        clauses.Add($"{column} = @{column}");
        _filterParameters.Add((column, value));
    }

    private static object KeyValue(JobSortField field, string key, Func<DateTimeOffset, object> time) => field switch
    {
        JobSortField.CreatedAt or JobSortField.UpdatedAt or JobSortField.ScheduledAt =>
            time(Microseconds.FromUnixTimeMicroseconds(long.Parse(key, CultureInfo.InvariantCulture))),
        JobSortField.Priority => int.Parse(key, CultureInfo.InvariantCulture),
        _ => key,
    };
}
