using System.Net;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests;

public sealed class SqliteDemoDataTests() : DemoDataContract(Provider.Sqlite);

public sealed class PostgresDemoDataTests() : DemoDataContract(Provider.Postgres);

/// <summary>
/// <c>conveyor demo seed</c> and <c>demo clear</c>, run as the real executable on the store a running server uses: the
/// seed shows every badge and every status, marked synthetic on every surface; the clear removes exactly what the seed
/// added, so every table counts as it did before (the nodes' own liveness rows aside: they change with every heartbeat;
/// and SQLite's FTS5 shadow tables, the search index's own pages, which a delete does not give back row for row).
/// </summary>
public abstract class DemoDataContract(Provider provider)
{
    private static readonly HashSet<string> Liveness = ["leader", "nodes"];

    private async Task<Dictionary<string, long>> CountTablesAsync(TestDatabase db)
    {
        var names = await db.ScalarAsync<string>(provider == Provider.Postgres
            ? "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            : "SELECT group_concat(name, ',') FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%'");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in names.Split(',').Where(t => !Liveness.Contains(t)).Order(StringComparer.Ordinal))
            counts[table] = await db.CountAsync(table);
        return counts;
    }

    [Fact]
    public async Task Demo_seed_shows_every_badge_and_status_marked_synthetic_and_demo_clear_leaves_every_table_as_it_was()
    {
        await using var server = await TestServer.StartAsync(provider);
        // Real data, which the clear must leave alone: a job, a session with its job, and their audit events.
        var real = await server.Client.CreateJobAsync(new { type = "noop" });
        var (status, session, text) = await server.Client.SendAsync(HttpMethod.Post, "/ingest/session",
            """{"course_id":"demo-bio-101","title":"A real one","transcript":"Real words."}""");
        Assert.True(status == HttpStatusCode.OK, text);
        var before = await CountTablesAsync(server.Database);
        Assert.Contains("sessions", before.Keys);
        Assert.Contains("audit_events", before.Keys);

        string[] store =
        [
            $"--Conveyor:Database:Provider={(provider == Provider.Postgres ? "postgres" : "sqlite")}",
            $"--ConnectionStrings:Conveyor={server.Database.ConnectionString}",
            $"--Conveyor:DataDirectory={server.DataDirectory}",
        ];
        var seeded = await ConveyorProcess.RunAsync(server.DataDirectory, ["demo", "seed", .. store]);
        Assert.True(seeded.ExitCode == 0, seeded.Output);
        Assert.Contains("Seeded 14 synthetic sessions", seeded.Output, StringComparison.Ordinal);

        var (_, listed, _) = await server.Client.SendAsync(HttpMethod.Get, "/api/v1/sessions?course_id=demo-bio-101&synthetic=true");
        var badges = listed!["items"]!.AsArray().Select(s => s!["status_badge"]!["label"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["Cancelled", "Draft", "Failed", "Queued", "Ready", "Summarizing", "Transcribing"], badges);
        Assert.All(listed["items"]!.AsArray(), s => Assert.True(s!["synthetic"]!.GetValue<bool>()));
        var ready = listed["items"]!.AsArray().Single(s => s!["status_badge"]!["label"]!.GetValue<string>() == "Ready");
        Assert.Equal("extractive", ready!["summary"]!["method"]!.GetValue<string>());
        var (_, realOnly, _) = await server.Client.SendAsync(HttpMethod.Get, "/api/v1/sessions?course_id=demo-bio-101&synthetic=false");
        Assert.Equal([session!["id"]!.GetValue<string>()], realOnly!["items"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));

        var (_, queue, _) = await server.Client.SendAsync(HttpMethod.Get, "/admin/jobs?limit=100");
        var synthetic = queue!["items"]!.AsArray().Where(j => j!["synthetic"]!.GetValue<bool>()).ToList();
        Assert.Equal(["cancelled", "failed", "queued", "running", "succeeded"],
            synthetic.Select(j => j!["status"]!.GetValue<string>()).Distinct().Order());
        // Every synthetic job's events are a legal path of the status machine, by actor "demo".
        var failed = synthetic.First(j => j!["status"]!.GetValue<string>() == "failed")!["id"]!.GetValue<string>();
        var (_, events, _) = await server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{failed}/events");
        Assert.Equal(["created", "started", "failed"], events!["items"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));

        var cleared = await ConveyorProcess.RunAsync(server.DataDirectory, ["demo", "clear", .. store]);
        Assert.True(cleared.ExitCode == 0, cleared.Output);
        Assert.Contains("Removed 14 synthetic sessions and 21 synthetic jobs.", cleared.Output, StringComparison.Ordinal);

        Assert.Equal(before, await CountTablesAsync(server.Database));
        Assert.Equal("queued", (await server.Client.GetJobAsync(real.Id()))!.Status());
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Get, $"/api/v1/sessions/{session["id"]}")).Status);
    }
}
