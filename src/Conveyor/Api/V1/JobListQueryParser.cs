using Conveyor.Core;
using Conveyor.Storage;

namespace Conveyor.Api.V1;

/// <summary>Turns the query string of <c>GET /api/v1/jobs</c> into a <see cref="JobQuery"/>, or errors keyed by parameter.</summary>
public static class JobListQueryParser
{
    public const int MaxPage = 100_000;

    public static readonly IReadOnlyDictionary<string, JobSortField> SortFields = new Dictionary<string, JobSortField>(StringComparer.Ordinal)
    {
        ["created_at"] = JobSortField.CreatedAt,
        ["submitted_at"] = JobSortField.CreatedAt,
        ["updated_at"] = JobSortField.UpdatedAt,
        ["scheduled_at"] = JobSortField.ScheduledAt,
        ["priority"] = JobSortField.Priority,
        ["status"] = JobSortField.Status,
        ["type"] = JobSortField.Type,
    };

    /// <summary>The query parameters of the jobs list; only <c>status</c> may be repeated.</summary>
    public static readonly HashSet<string> Known =
        ["page", "limit", "status", "type", "source_type", "dataset", "session_id", "q", "sort_by", "sort_order", "cursor"];

    public static (JobQuery? Query, Dictionary<string, string[]> Errors) Parse(IQueryCollection query) =>
        Parse(query, Known, JobSortField.CreatedAt);

    /// <summary>The same parse for a surface that takes only some of the parameters and fixes its own order.</summary>
    /// <param name="allowed">The parameters the surface takes (a subset of the jobs list's); any other is refused.</param>
    /// <param name="defaultSortBy">The sort when the query names none.</param>
    public static (JobQuery? Query, Dictionary<string, string[]> Errors) Parse(IQueryCollection query, IReadOnlySet<string> allowed,
        JobSortField defaultSortBy)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string field, string message) => errors[field] = [message];

        foreach (var key in query.Keys.Where(k => !allowed.Contains(k) || !Known.Contains(k)))
            Add(key, $"Unknown query parameter. Known: {string.Join(", ", allowed.Where(Known.Contains).Order())}.");
        foreach (var key in query.Keys.Where(k => allowed.Contains(k) && Known.Contains(k) && query[k].Count > 1 && k != "status"))
            Add(key, "Give this parameter once.");

        var page = Int(query, "page", 1, 1, MaxPage, Add);
        var limit = Int(query, "limit", JobDefaults.PageSize, 1, JobDefaults.MaxPageSize, Add);

        var statuses = new List<JobStatus>();
        foreach (var part in query["status"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries)))
        {
            if (JobStatusNames.TryParse(part, out var status)) statuses.Add(status);
            else Add("status", $"Unknown status '{Truncate(part)}'. Use {string.Join(", ", JobStatusNames.All)}.");
        }

        var sortBy = defaultSortBy;
        if (query.TryGetValue("sort_by", out var sortValue) && !SortFields.TryGetValue(sortValue.ToString(), out sortBy))
            Add("sort_by", $"Sorting by '{Truncate(sortValue.ToString())}' is not allowed. Use {string.Join(", ", SortFields.Keys)}.");

        var descending = true;
        if (query.TryGetValue("sort_order", out var order))
        {
            switch (order.ToString())
            {
                case "asc": descending = false; break;
                case "desc": descending = true; break;
                default: Add("sort_order", "Use 'asc' or 'desc'."); break;
            }
        }

        Guid? session = null;
        if (query.TryGetValue("session_id", out var sessionValue))
        {
            if (Guid.TryParse(sessionValue.ToString(), out var parsed)) session = parsed;
            else Add("session_id", "Must be a UUID.");
        }

        JobCursor? cursor = null;
        if (query.TryGetValue("cursor", out var cursorValue))
        {
            if (!JobCursor.TryDecode(cursorValue.ToString(), out cursor) || cursor is null)
                Add("cursor", "The cursor is not valid; use next_cursor from a previous page.");
            else if (cursor.SortBy != sortBy || cursor.Descending != descending)
                Add("cursor", "The cursor belongs to another sort; keep sort_by and sort_order as they were.");
            else if (query.ContainsKey("page"))
                Add("page", "Use either page or cursor, not both.");
        }

        var type = Text(query, "type", Add);
        var sourceType = Text(query, "source_type", Add);
        var dataset = Text(query, "dataset", Add);
        string? search = null;
        if (query.TryGetValue("q", out var searchValue))
        {
            search = searchValue.ToString().Trim();
            if (search.Length is < JobQuery.MinSearchLength or > JobQuery.MaxSearchLength || search.Any(char.IsControl))
                Add("q", $"Search for {JobQuery.MinSearchLength}-{JobQuery.MaxSearchLength} printable characters (an id or its prefix, " +
                    "a file name, metadata text).");
        }

        if (errors.Count > 0) return (null, errors);
        return (new JobQuery
        {
            Statuses = statuses.Distinct().ToList(),
            Type = type,
            SourceType = sourceType,
            Dataset = dataset,
            SessionId = session,
            Search = search,
            SortBy = sortBy,
            Descending = descending,
            Page = page,
            Limit = limit,
            After = cursor,
        }, errors);
    }

    internal static int Int(IQueryCollection query, string name, int fallback, int min, int max, Action<string, string> add)
    {
        if (!query.TryGetValue(name, out var value)) return fallback;
        if (int.TryParse(value.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            && number >= min && number <= max)
        {
            return number;
        }
        add(name, $"Must be a whole number from {min} to {max}.");
        return fallback;
    }

    private static string? Text(IQueryCollection query, string name, Action<string, string> add)
    {
        if (!query.TryGetValue(name, out var value)) return null;
        var text = value.ToString();
        if (text.Length is 0 or > 128 || text.Any(char.IsControl))
        {
            add(name, "Must be 1-128 printable characters.");
            return null;
        }
        return text;
    }

    private static string Truncate(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
