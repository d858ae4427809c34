using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>Cuts a page from rows read with one extra row, which tells whether a next page exists.</summary>
internal static class JobPages
{
    public static JobPage From(IReadOnlyList<Job> rows, long total, JobQuery query)
    {
        var hasMore = rows.Count > query.Limit;
        var items = hasMore ? rows.Take(query.Limit).ToList() : rows;
        var next = hasMore ? JobCursor.After(items[^1], query.SortBy, query.Descending) : null;
        var capped = query.CountLimit is { } limit && total > limit;
        return new JobPage(items, capped ? query.CountLimit!.Value : total, next, capped);
    }
}
