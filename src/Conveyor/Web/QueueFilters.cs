using Conveyor.Api.V1;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Conveyor.Web;

/// <summary>
/// The queue's view as it stands in the URL (every filter, the sort and the page), so a link shows the same view and a
/// reload keeps it: parsed by the jobs API's own parser, with the empty fields a filter form sends left out.
/// </summary>
public sealed record QueueFilters(IReadOnlyDictionary<string, StringValues> Values)
{
    /// <summary>The parameters the queue page takes: the jobs list's.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. JobListQueryParser.Known.Where(k => k != "page").Order(StringComparer.Ordinal)];

    public const string DefaultSort = "created_at";

    public static QueueFilters From(IEnumerable<KeyValuePair<string, StringValues>> query) => new(query
        .Where(p => Names.Contains(p.Key) && p.Value.Any(v => !string.IsNullOrEmpty(v)))
        .ToDictionary(p => p.Key, p => new StringValues(p.Value.Where(v => !string.IsNullOrEmpty(v)).ToArray()), StringComparer.Ordinal));

    /// <summary>The store query, or the errors by parameter.</summary>
    public (JobQuery? Query, Dictionary<string, string[]> Errors) Parse() =>
        JobListQueryParser.Parse(new QueryCollection(Values.ToDictionary(p => p.Key, p => p.Value)), JobListQueryParser.Known, JobSortField.CreatedAt);

    public string? this[string name] => Values.TryGetValue(name, out var value) ? value.ToString() : null;

    public IReadOnlyList<string> Statuses => Values.TryGetValue("status", out var v)
        ? [.. v.SelectMany(s => (s ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Distinct()]
        : [];

    public string SortBy => this["sort_by"] ?? DefaultSort;

    public bool Ascending => this["sort_order"] == "asc";

    /// <summary>The query string of this view with <paramref name="changes"/> applied (null removes a parameter); the page restarts unless a cursor is given.</summary>
    public string Query(params (string Name, string? Value)[] changes)
    {
        var values = new Dictionary<string, StringValues>(Values, StringComparer.Ordinal);
        if (!changes.Any(c => c.Name == "cursor")) values.Remove("cursor");
        foreach (var (name, value) in changes)
        {
            if (value is null) values.Remove(name);
            else values[name] = value;
        }
        var pairs = values.OrderBy(p => p.Key, StringComparer.Ordinal)
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)));
        return QueryHelpers.AddQueryString("", pairs);
    }

    public string Url(params (string Name, string? Value)[] changes) => "/admin/queue" + Query(changes);

    /// <summary>The filters alone (no sort, page or cursor): what a bulk action applies to.</summary>
    public IEnumerable<(string Name, string Value)> FilterFields => Values
        .Where(p => p.Key is not ("sort_by" or "sort_order" or "cursor" or "limit" or "page"))
        .OrderBy(p => p.Key, StringComparer.Ordinal)
        .SelectMany(p => p.Value.Select(v => (p.Key, v ?? "")));

    /// <summary>This view without its page and sort: what the counts are counted over.</summary>
    public JobQuery CountQuery(JobQuery query) => query with { After = null, Page = 1, Limit = 1, Offset = null, CountLimit = JobQuery.DefaultCountLimit };
}
