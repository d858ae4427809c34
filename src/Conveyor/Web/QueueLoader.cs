using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers;

namespace Conveyor.Web;

/// <summary>Reads what the queue page shows from the store, the same way for the page, its fragments and its live stream.</summary>
public sealed class QueueLoader(IJobReader jobs, JobHandlerRegistry handlers)
{
    /// <summary>The most matches of a search the page reads by id.</summary>
    public const int SearchByIdLimit = 1_000;

    private static readonly JobStatus[] Statuses = Enum.GetValues<JobStatus>();
    private static readonly string[] StatusNames = [.. Statuses.Select(s => s.ToName())];

    public async Task<QueueView> LoadAsync(QueueFilters filters, CancellationToken ct)
    {
        var (parsed, errors) = filters.Parse();
        var types = handlers.Types.Order(StringComparer.Ordinal).ToList();
        if (parsed is null) return new QueueView(filters, [], [], null, errors, types);

        // Every count stops at the list's cap (shown as "10,000+"): at a million jobs a page view reads at most that many
        // index entries per count, never every matching row.
        var query = parsed with { CountLimit = JobQuery.DefaultCountLimit };
        // The search index is asked once per view: when the search matches at most SearchByIdLimit jobs, the list and every
        // count read those jobs by id (on PostgreSQL each trigram scan costs tens of ms, and the counts would run one per
        // status and per type). A broader search stays a search in each statement.
        if (query.Search is { } text)
        {
            var matches = await jobs.ListIdsAsync(new JobQuery { Search = text }, null, SearchByIdLimit + 1, ct);
            if (matches.Count <= SearchByIdLimit) query = query with { Search = null, Ids = matches };
        }
        // The list and the two sets of counts are independent reads, each on a connection of its own: the view costs the
        // slowest of them, not their sum. The chips count every status under the other filters; the type counts, every
        // type under them.
        var pageRead = jobs.ListAsync(query, ct);
        var byStatusRead = jobs.CountByAsync(filters.CountQuery(query) with { Statuses = [] }, JobCountField.Status, StatusNames, ct);
        var byTypeRead = jobs.CountByAsync(filters.CountQuery(query) with { Type = null }, JobCountField.Type,
            query.Type is null ? types : [query.Type], ct);
        await Task.WhenAll(pageRead, byStatusRead, byTypeRead);
        var (page, byStatus, byType) = (await pageRead, await byStatusRead, await byTypeRead);
        var counts = Statuses.Zip(byStatus, (status, c) => new StatusCount(status, c.Count, c.Capped)).ToList();
        var typeCounts = byType.Where(c => c.Count > 0).Select(c => new TypeCount(c.Value, c.Count, c.Capped))
            .OrderByDescending(t => t.Count).ThenBy(t => t.Type, StringComparer.Ordinal).ToList();
        return new QueueView(filters, counts, typeCounts, page, errors, types);
    }
}
