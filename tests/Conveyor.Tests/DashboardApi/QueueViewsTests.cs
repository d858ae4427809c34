using Conveyor.Tests.Infrastructure;
using Conveyor.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Tests.DashboardApi;

/// <summary>
/// The queue's open live pages share one read of the store per view and tick (<see cref="QueueViews"/>): a page that asks
/// within the tick gets what another page's read saw; after the tick, what the store holds now.
/// </summary>
public sealed class QueueViewsTests(SqliteDashboardServer fixture) : IClassFixture<SqliteDashboardServer>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Pages_with_the_same_filters_share_the_ticks_read_and_the_next_tick_reads_the_store_again()
    {
        var dataset = "v" + Guid.NewGuid().ToString("N")[..10];
        await _server.CreateJobsAsync(2, dataset);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var views = new QueueViews(_server.Services.GetRequiredService<QueueLoader>(), clock);
        QueueFilters Filters(string sort) => QueueFilters.From(new Dictionary<string, StringValues> { ["dataset"] = dataset, ["sort_order"] = sort });

        var first = await views.LoadAsync(Filters("desc"), CancellationToken.None);
        await _server.CreateJobsAsync(1, dataset);
        var sameTick = await views.LoadAsync(Filters("desc"), CancellationToken.None);
        var otherView = await views.LoadAsync(Filters("asc"), CancellationToken.None);
        clock.Advance(LiveStream.Interval);
        var nextTick = await views.LoadAsync(Filters("desc"), CancellationToken.None);

        Assert.Same(first, sameTick);
        Assert.Equal(2, sameTick.Page!.Total);
        Assert.Equal(3, otherView.Page!.Total);
        Assert.Equal(3, nextTick.Page!.Total);
    }
}
