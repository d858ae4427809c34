using System.Text;
using Conveyor.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>The job page in a real browser, on a server with a worker.</summary>
[Collection(BrowserCollection.Name)]
public sealed class JobPageTests(BrowserFixture browser)
{
    /// <summary>Records every value the page's progress bar takes, as the page changes (no sampling that could miss one).</summary>
    private const string BarRecorder = """
        () => {
            window.__bar = [];
            const note = () => {
                const bar = document.querySelector('#job-summary progress');
                const value = bar && bar.getAttribute('value');
                if (value !== null && value !== undefined && window.__bar[window.__bar.length - 1] !== value) window.__bar.push(value);
            };
            new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
            note();
        }
        """;

    [Fact]
    public async Task The_progress_bar_moves_during_a_million_row_load_and_ends_at_the_row_count()
    {
        const int rows = 1_000_000;
        await using var server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string>
        {
            ["Conveyor:Workers:Count"] = "1",
            ["Conveyor:Workers:ProgressFlushInterval"] = "00:00:00.200",
            ["Conveyor:Workers:PollInterval"] = "00:00:00.200",
        });
        var csv = new StringBuilder("id,name,score\n", rows * 20);
        for (var i = 1; i <= rows; i++) csv.Append(i).Append(",name").Append(i).Append(',').Append(i % 97).Append('\n');
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();

        // csv is paused while the page opens, so the load cannot start before the page follows the job.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, "/api/v1/types/csv/pause")).Status);
        var (status, body, text) = await server.Client.UploadAsync([("million.csv", Encoding.ASCII.GetBytes(csv.ToString()))],
            new Dictionary<string, string> { ["dataset"] = "million" });
        Assert.True(status == System.Net.HttpStatusCode.Created, text);
        var id = body!["items"]![0]!.Id();
        await dashboard.Page.GotoAsync($"/jobs/{id}");
        await dashboard.WaitForLiveAsync();
        await dashboard.Page.EvaluateAsync(BarRecorder);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, "/api/v1/types/csv/resume")).Status);

        // Part way, the test holds the database's write lock (a second connection's BEGIN IMMEDIATE): the load and its
        // progress stop where they are, whatever the box's speed, until the page shows that very count; then it goes on.
        var partWay = await Eventually.WaitAsync(() => server.Database.ScalarAsync<long>("SELECT records_processed FROM jobs WHERE id = @id", id),
            n => n > 0, TimeSpan.FromMinutes(2), "the load's first progress in the store");
        long held;
        await using (var writer = new SqliteConnection(server.Database.ConnectionString))
        {
            await writer.OpenAsync();
            TakeWriteLock(writer, TimeSpan.FromMinutes(1));
            await using (var read = writer.CreateCommand())
            {
                read.CommandText = "SELECT records_processed FROM jobs WHERE id = @id";
                read.Parameters.AddWithValue("@id", id.ToString());
                held = (long)(await read.ExecuteScalarAsync())!;
            }
            Assert.True(held >= partWay && held < rows, $"the load was at {held:N0} of {rows:N0} rows when the lock was taken");
            await dashboard.WaitForAsync($"() => window.__bar.includes('{held}')", $"the bar to show {held:N0}");
            await using var rollback = writer.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        await Assertions.Expect(dashboard.Page.Locator("#job-summary .status")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("status-succeeded"),
            new() { Timeout = 120_000 });
        var bar = dashboard.Page.Locator("#job-summary progress");
        Assert.Equal(rows.ToString(), await bar.GetAttributeAsync("value"));
        Assert.Contains($"{rows:N0} / {rows:N0}", await dashboard.Page.Locator("#job-summary .numbers").First.InnerTextAsync());
        // The one document showed the held count part way and then the end (the recorder lives as long as the document).
        var values = (await dashboard.Page.EvaluateAsync<string[]>("() => window.__bar")).Select(long.Parse).ToList();
        Assert.Contains(held, values);
        Assert.Equal(rows, values[^1]);
        // Opened afterwards, the page shows the first rows loaded.
        await dashboard.Page.ReloadAsync();
        Assert.Contains("\"name\":\"name1\"", await dashboard.Page.Locator("#rows-title + .table-wrap").InnerTextAsync());
    }

    /// <summary>
    /// <c>BEGIN IMMEDIATE</c> on <paramref name="connection"/>, tried again at once on <c>SQLITE_BUSY</c>. The load holds
    /// SQLite's one write lock for most of each 50,000-row batch and gives it up only between batches; a
    /// Microsoft.Data.Sqlite command waits 150 ms between its tries, long enough on a quiet box to miss every gap until
    /// the whole load has gone by.
    /// </summary>
    private static void TakeWriteLock(SqliteConnection connection, TimeSpan deadline)
    {
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout = 0";
            pragma.ExecuteNonQuery();
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var rc = SQLitePCL.raw.sqlite3_exec(connection.Handle, "BEGIN IMMEDIATE");
            if (rc == SQLitePCL.raw.SQLITE_OK) return;
            if (rc != SQLitePCL.raw.SQLITE_BUSY) SqliteException.ThrowExceptionForRC(rc, connection.Handle);
            if (clock.Elapsed > deadline) throw new TimeoutException($"SQLite's write lock was not free once in {deadline}.");
            Thread.Yield();
        }
    }

    [Fact]
    public async Task A_failed_jobs_page_shows_its_safe_error_and_reference_and_its_timeline_with_actors()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var failed = await JobStates.ArrangeAsync(server, JobSetup.Failed);
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        await dashboard.Page.GotoAsync($"/jobs/{failed}");

        var summary = await dashboard.Page.Locator("#job-summary").InnerTextAsync();
        Assert.Contains("Error: boom", summary);
        Assert.Contains("Reference ref1", summary);
        var timeline = dashboard.Page.Locator("#job-events li");
        Assert.Equal(3, await timeline.CountAsync());
        Assert.Contains("created", await timeline.Nth(0).InnerTextAsync());
        Assert.Contains("by key:", await timeline.Nth(0).InnerTextAsync());
        Assert.Contains("running → failed", await timeline.Nth(2).InnerTextAsync());
        Assert.Contains($"by worker:{JobStates.Owner}", await timeline.Nth(2).InnerTextAsync());

        // The creation's audit link opens the audit log on that event.
        await timeline.Nth(0).GetByRole(AriaRole.Link, new() { Name = "audit event" }).ClickAsync();
        await dashboard.Page.WaitForURLAsync(url => url.Contains("/admin/audit?target="));
        var anchor = new Uri(dashboard.Page.Url).Fragment.TrimStart('#');
        Assert.Contains("job.create", await dashboard.Page.Locator($"#{anchor}").InnerTextAsync());
    }
}
