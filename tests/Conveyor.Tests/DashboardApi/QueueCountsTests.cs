using System.Net;
using System.Text.RegularExpressions;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.DashboardApi;

public sealed class SqliteQueueCountsTests(SqliteDashboardServer fixture) : QueueCounts(fixture.Server), IClassFixture<SqliteDashboardServer>;

public sealed class PostgresQueueCountsTests(PostgresDashboardServer fixture) : QueueCounts(fixture.Server), IClassFixture<PostgresDashboardServer>;

/// <summary>
/// <c>/admin/queue</c>'s counts (the status chips, the counts by type, the list's total) stop at the list's cap, so a page
/// view never counts every row of a big queue; a count that stopped says so ("10,000+").
/// </summary>
public abstract partial class QueueCounts(TestServer server)
{
    [Fact]
    public async Task Counts_over_the_cap_show_the_cap_with_a_plus_and_counts_under_it_stay_exact()
    {
        var dataset = "c" + Guid.NewGuid().ToString("N")[..10];
        var ids = await server.CreateJobsAsync((int)JobQuery.DefaultCountLimit + 3, dataset);
        foreach (var id in ids.Take(2))
            Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel")).Status);

        var (status, _, page) = await server.Client.SendAsync(HttpMethod.Get, $"/admin/queue?dataset={dataset}");
        var html = WebUtility.HtmlDecode(page);

        Assert.True(status == HttpStatusCode.OK, html);
        Assert.Equal("10,000+", Chip(html, "queued"));
        Assert.Equal("2", Chip(html, "cancelled"));
        Assert.Equal("0", Chip(html, "failed"));
        Assert.Equal("10,002+", AllChip().Match(html).Groups[1].Value); // at least: the capped queued count plus the 2 cancelled
        Assert.Equal("10,000+", TypeCount().Match(html).Groups[1].Value);
        Assert.StartsWith("Jobs: 20 shown of 10,000+ matching", Caption().Match(html).Groups[1].Value, StringComparison.Ordinal);

        var (cancelledStatus, _, cancelledPage) = await server.Client.SendAsync(HttpMethod.Get, $"/admin/queue?dataset={dataset}&status=cancelled");
        var cancelled = WebUtility.HtmlDecode(cancelledPage);

        Assert.True(cancelledStatus == HttpStatusCode.OK, cancelled);
        Assert.Equal("2", TypeCount().Match(cancelled).Groups[1].Value);
        Assert.StartsWith("Jobs: 2 shown of 2 matching", Caption().Match(cancelled).Groups[1].Value, StringComparison.Ordinal);
        Assert.Equal("10,000+", Chip(cancelled, "queued"));
    }

    [Fact]
    public async Task A_search_shows_the_same_counts_whether_it_matches_few_jobs_read_by_id_or_more_than_the_page_reads_by_id()
    {
        var few = "f" + Guid.NewGuid().ToString("N")[..10];
        var many = "m" + Guid.NewGuid().ToString("N")[..10];
        var fewIds = await server.CreateJobsAsync(3, "searched", new { tag = few });
        var manyIds = await server.CreateJobsAsync(Conveyor.Web.QueueLoader.SearchByIdLimit + 2, "searched", new { tag = many });
        foreach (var id in new[] { fewIds[0], manyIds[0], manyIds[1] })
            Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel")).Status);

        foreach (var (text, queued, cancelled) in new[] { (few, "2", "1"), (many, "1,000", "2") })
        {
            var (status, _, page) = await server.Client.SendAsync(HttpMethod.Get, $"/admin/queue?q={text}");
            var html = WebUtility.HtmlDecode(page);

            Assert.True(status == HttpStatusCode.OK, html);
            Assert.Equal(queued, Chip(html, "queued"));
            Assert.Equal(cancelled, Chip(html, "cancelled"));
            Assert.Equal(text == few ? "3" : "1,002", TypeCount().Match(html).Groups[1].Value);
            Assert.StartsWith(text == few ? "Jobs: 3 shown of 3 matching" : "Jobs: 20 shown of 1,002 matching",
                Caption().Match(html).Groups[1].Value, StringComparison.Ordinal);
        }
        var (_, _, cancelledPage) = await server.Client.SendAsync(HttpMethod.Get, $"/admin/queue?q={few}&status=cancelled");
        Assert.Contains($"/jobs/{fewIds[0]}", cancelledPage, StringComparison.Ordinal);
        Assert.DoesNotContain($"/jobs/{fewIds[1]}", cancelledPage, StringComparison.Ordinal);
    }

    private static string Chip(string html, string status) =>
        Regex.Match(html, $"""class="chip-{status}"[^>]*>.*?<span class="count">([^<]+)</span>""", RegexOptions.Singleline).Groups[1].Value;

    [GeneratedRegex("""<caption id="queue-caption">([^<]*)</caption>""")]
    private static partial Regex Caption();

    [GeneratedRegex(""">All <span class="count">([^<]+)</span>""")]
    private static partial Regex AllChip();

    [GeneratedRegex("""<th scope="row"><a href="[^"]*">noop</a></th><td class="num">([^<]+)</td>""")]
    private static partial Regex TypeCount();
}
