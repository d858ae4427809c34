using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Workers;

namespace Conveyor.Web;

/// <summary>Reads what the queue page shows from the store, the same way for the page, its fragments and its live stream.</summary>
public sealed class QueueLoader(IJobReader jobs, JobHandlerRegistry handlers)
{
    public async Task<QueueView> LoadAsync(QueueFilters filters, CancellationToken ct)
    {
        var (query, errors) = filters.Parse();
        var types = handlers.Types.Order(StringComparer.Ordinal).ToList();
        if (query is null) return new QueueView(filters, [], [], null, errors, types);

        // Counts stop at JobQuery.DefaultCountLimit (shown as "10,000+"): exact counts of a million rows are the bulk
        // confirmation's job, not every page view's.
        var page = await jobs.ListAsync(query with { CountLimit = JobQuery.DefaultCountLimit }, ct);
        // The chips count every status under the other filters; the type counts, every type under them.
        var counts = new List<StatusCount>();
        foreach (var status in Enum.GetValues<JobStatus>())
        {
            var counted = await jobs.ListAsync(filters.CountQuery(query) with { Statuses = [status] }, ct);
            counts.Add(new StatusCount(status, counted.Total, counted.TotalCapped));
        }
        var byType = new List<TypeCount>();
        foreach (var type in query.Type is null ? types : [query.Type])
        {
            var counted = await jobs.ListAsync(filters.CountQuery(query) with { Type = type }, ct);
            if (counted.Total > 0) byType.Add(new TypeCount(type, counted.Total, counted.TotalCapped));
        }
        return new QueueView(filters, counts, [.. byType.OrderByDescending(t => t.Count).ThenBy(t => t.Type, StringComparer.Ordinal)], page, errors, types);
    }
}
