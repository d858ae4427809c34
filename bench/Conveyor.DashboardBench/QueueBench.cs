using System.Diagnostics;
using System.Globalization;
using System.Net;
using Conveyor.Storage.Postgres;
using Npgsql;

namespace Conveyor.DashboardBench;

/// <summary>
/// <c>/admin/queue</c>'s first page at a million jobs in PostgreSQL, as a browser gets it: a <c>conveyor serve</c> node
/// (<see cref="ServerProcess"/>) started afresh for each case (unfiltered, each one filter, the searches), its first
/// request after start timed alone (cold), then warm requests alternating with the baseline, a bare <c>SELECT</c> of the
/// same rows (the page's 20 and the one that says a next page exists) over Npgsql. Each request is timed on loopback from send to the last byte of the page, so the figure
/// is the server's time plus a loopback round trip. Then, with <c>--plans on</c>, every statement the page runs, once
/// per case, on a node whose connections log EXPLAIN (ANALYZE, BUFFERS) (auto_explain).
/// </summary>
internal static class QueueBench
{
    /// <summary>One view of the queue: its query string, and the WHERE of the bare SELECT that reads the same rows.</summary>
    private sealed record Case(string Name, string Query, string Where, bool Search = false);

    public static async Task<int> RunAsync(string[] args)
    {
        var connection = Environment.GetEnvironmentVariable("BENCH_PG") ?? throw new InvalidOperationException("BENCH_PG is not set.");
        var serverDll = BenchTools.StringArg(args, "--server") ?? throw new InvalidOperationException("--server <conveyor.dll> is required.");
        var jobs = BenchTools.Arg(args, "--jobs", 1_000_000);
        var rounds = BenchTools.Arg(args, "--rounds", 100);
        var port = BenchTools.Arg(args, "--port", 5992);
        var plans = BenchTools.StringArg(args, "--plans") == "on";

        await using (var store = PostgresJobStore.Create(connection, TimeProvider.System))
            await store.MigrateAsync(CancellationToken.None);
        await using var raw = NpgsqlDataSource.Create(connection);
        var seeded = await SeedAsync(raw, jobs);
        Console.WriteLine($"seeded {jobs:N0} jobs in {seeded.TotalSeconds:F1} s");

        var probe = await ProbeAsync(raw);
        const string search = "id IN (SELECT job_id FROM job_search WHERE document ILIKE '%{0}%')";
        var cases = new Case[]
        {
            new("no filter", "", "TRUE"),
            new("status=failed (5%)", "status=failed", "status = 'failed'"),
            new("status=queued (5%)", "status=queued", "status = 'queued'"),
            new("status=succeeded (85%)", "status=succeeded", "status = 'succeeded'"),
            new("type=sleep (10%)", "type=sleep", "type = 'sleep'"),
            new("source_type=url (20%)", "source_type=url", "source_type = 'url'"),
            new("dataset=dataset-42 (0.6%)", "dataset=dataset-42", "dataset = 'dataset-42'"),
            new("session_id (one of 10,000)", $"session_id={probe.Session}", $"session_id = '{probe.Session}'"),
            new("q=file name (exact)", $"q={probe.FileName}", string.Format(CultureInfo.InvariantCulture, search, probe.FileName), true),
            new("q=file name (part of one)", $"q={probe.FileName[..^5]}", string.Format(CultureInfo.InvariantCulture, search, probe.FileName[..^5]), true),
            new("q=id prefix (8 chars)", $"q={probe.Id.ToString()[..8]}", string.Format(CultureInfo.InvariantCulture, search, probe.Id.ToString()[..8]), true),
            new("q=metadata text (0.1%)", "q=batch-777%22", string.Format(CultureInfo.InvariantCulture, search, "batch-777\""), true),
        };

        var key = Conveyor.Auth.ApiKeyGenerator.NewKey();
        var data = Directory.CreateTempSubdirectory("conveyor-queuebench-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["Conveyor__Database__Provider"] = "postgres",
            ["ConnectionStrings__Conveyor"] = connection,
            ["Conveyor__DataDirectory"] = data,
        };
        var results = new List<(Case Case, double Cold, double P50, double P95, double BareP50, double BareP95)>();
        try
        {
            Console.WriteLine($"{"case",-28} {"cold",8} {"page p50",9} {"page p95",9} {"bare p50",9} {"bare p95",9} {"p95/bare",9}");
            foreach (var c in cases)
            {
                await using var server = await ServerProcess.StartAsync(serverDll, port, key, settings);
                var cold = await PageAsync(server.Client, c.Query);
                for (var i = 0; i < 3; i++)
                {
                    await PageAsync(server.Client, c.Query);
                    await BareAsync(raw, c.Where);
                }
                var page = new List<double>(rounds);
                var bare = new List<double>(rounds);
                for (var i = 0; i < rounds; i++)
                {
                    page.Add(await PageAsync(server.Client, c.Query));
                    bare.Add(await BareAsync(raw, c.Where));
                }
                var r = (c, cold, P(page, 0.5), P(page, 0.95), P(bare, 0.5), P(bare, 0.95));
                results.Add(r);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{c.Name,-28} {cold,8:F1} {r.Item3,9:F2} {r.Item4,9:F2} {r.Item5,9:F2} {r.Item6,9:F2} {r.Item4 / r.Item6,9:F1}"));
            }

            if (plans)
            {
                // The page's statements once more, on a node whose connections log each one's plan (auto_explain), each case
                // after a marker in the server log.
                var explaining = new NpgsqlConnectionStringBuilder(connection)
                {
                    Options = "-c auto_explain.log_min_duration=0 -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on -c auto_explain.log_timing=on",
                }.ConnectionString;
                await using var server = await ServerProcess.StartAsync(serverDll, port, key,
                    new Dictionary<string, string>(settings) { ["ConnectionStrings__Conveyor"] = explaining });
                await PageAsync(server.Client, "");
                foreach (var c in cases)
                {
                    await using (var mark = raw.CreateCommand($"DO $$ BEGIN RAISE LOG 'plan: {Literal(c.Name)} (/admin/queue?{Literal(c.Query)})'; END $$"))
                        await mark.ExecuteNonQueryAsync();
                    await PageAsync(server.Client, c.Query);
                }
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }

        var filters = results.Where(r => !r.Case.Search).ToList();
        var searches = results.Where(r => r.Case.Name.StartsWith("q=file", StringComparison.Ordinal)).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT jobs={jobs} rounds={rounds} worst_filter_p95_ms={filters.Max(r => r.P95):F2} worst_file_search_p95_ms={searches.Max(r => r.P95):F2} " +
            $"worst_search_p95_ms={results.Where(r => r.Case.Search).Max(r => r.P95):F2} worst_cold_ms={results.Max(r => r.Cold):F1} " +
            $"worst_filter_p95_vs_bare={filters.Max(r => r.P95 / r.BareP95):F1}"));
        return 0;
    }

    /// <summary>Text inside RAISE's format string: a quote doubled, a % (RAISE's placeholder) too.</summary>
    private static string Literal(string text) => text.Replace("'", "''").Replace("%", "%%");

    private static double P(List<double> times, double quantile)
    {
        var sorted = times.Order().ToList();
        return sorted[(int)Math.Ceiling(sorted.Count * quantile) - 1];
    }

    /// <summary>The page as a browser gets it: the whole body read. A page that is not the queue's stops the run.</summary>
    private static async Task<double> PageAsync(HttpClient client, string query)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync("/admin/queue" + (query.Length > 0 ? "?" + query : ""));
        var body = await response.Content.ReadAsStringAsync();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK || !body.Contains("id=\"queue-rows\"", StringComparison.Ordinal))
            throw new InvalidOperationException($"/admin/queue?{query} answered {(int)response.StatusCode}: {body[..Math.Min(300, body.Length)]}");
        return elapsed;
    }

    /// <summary>The baseline: the same first page (its rows and the one that says a next page exists), nothing else.</summary>
    private static async Task<double> BareAsync(NpgsqlDataSource raw, string where)
    {
        var started = Stopwatch.GetTimestamp();
        await using var command = raw.CreateCommand($"SELECT * FROM jobs WHERE {where} ORDER BY created_at DESC, id DESC LIMIT {Conveyor.Core.JobDefaults.PageSize + 1}");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync()) rows++;
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private sealed record Probe(Guid Id, string FileName, Guid Session);

    /// <summary>A job with a file (the seed names one on n % 10 &lt; 6) and a session to filter by.</summary>
    private static async Task<Probe> ProbeAsync(NpgsqlDataSource raw)
    {
        await using var command = raw.CreateCommand(
            "SELECT id, file_name, (SELECT session_id FROM jobs WHERE session_id IS NOT NULL ORDER BY id LIMIT 1) FROM jobs WHERE file_name = 'people-123455.csv'");
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            throw new InvalidOperationException("The probe found no job with file people-123455.csv: seed at least 123,455 jobs.");
        return new Probe(reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2));
    }

    /// <summary>
    /// A million jobs of a month: 85% succeeded, 5% failed, 3% cancelled, 5% queued, 2% running; csv 40%, json 20%, noop
    /// 30%, sleep 10%; file names and datasets on the loads, a session on 10%, metadata with a batch tag. Inserted as the
    /// store would (the search trigger included), in pieces of 100,000.
    /// </summary>
    private static async Task<TimeSpan> SeedAsync(NpgsqlDataSource raw, int jobs)
    {
        var started = Stopwatch.GetTimestamp();
        await using (var count = raw.CreateCommand("SELECT count(*) FROM jobs"))
        {
            if ((long)(await count.ExecuteScalarAsync())! >= jobs) return TimeSpan.Zero;
        }
        for (var from = 1; from <= jobs; from += 100_000)
        {
            await using var insert = raw.CreateCommand("""
                INSERT INTO jobs (id, type, source_type, file_name, file_size, mime_type, mode, priority, metadata, session_id, dataset,
                    status, attempt, max_attempts, scheduled_at, created_at, started_at, completed_at, updated_at,
                    records_processed, error, created_by)
                SELECT md5('job' || n)::uuid,
                    CASE WHEN n % 10 < 4 THEN 'csv' WHEN n % 10 < 6 THEN 'json' WHEN n % 10 < 9 THEN 'noop' ELSE 'sleep' END,
                    CASE WHEN n % 10 < 5 THEN 'upload' WHEN n % 10 < 7 THEN 'url' END,
                    CASE WHEN n % 10 < 6 THEN 'people-' || n || '.csv' END,
                    CASE WHEN n % 10 < 6 THEN 1000 + n END,
                    CASE WHEN n % 10 < 6 THEN 'text/csv' END,
                    CASE WHEN n % 10 < 6 THEN 'append' END,
                    0,
                    jsonb_build_object('batch', 'batch-' || (n % 1000), 'note', 'nightly import ' || (n % 37)),
                    CASE WHEN n % 10 = 9 THEN md5('session' || (n % 10000))::uuid END,
                    CASE WHEN n % 10 < 6 THEN 'dataset-' || (n % 100) END,
                    CASE WHEN n % 100 < 85 THEN 'succeeded' WHEN n % 100 < 90 THEN 'failed' WHEN n % 100 < 93 THEN 'cancelled'
                         WHEN n % 100 < 98 THEN 'queued' ELSE 'running' END,
                    CASE WHEN n % 100 < 93 OR n % 100 >= 98 THEN 1 ELSE 0 END, 3,
                    t, t, CASE WHEN n % 100 < 93 OR n % 100 >= 98 THEN t + interval '1 second' END,
                    CASE WHEN n % 100 < 93 THEN t + interval '1 second' + (n % 50) * interval '1 second' END,
                    t + interval '2 seconds' + (n % 50) * interval '1 second',
                    CASE WHEN n % 100 < 85 THEN n % 5000 ELSE 0 END,
                    CASE WHEN n % 100 BETWEEN 85 AND 89 THEN 'Row 3 is bad.' END,
                    'bench'
                FROM (SELECT n, now() - interval '30 days' + n * (interval '30 days' / @jobs) AS t
                      FROM generate_series(@from, @to) AS n) g
                """);
            insert.CommandTimeout = 600;
            insert.Parameters.AddWithValue("from", from);
            insert.Parameters.AddWithValue("to", Math.Min(jobs, from + 99_999));
            insert.Parameters.AddWithValue("jobs", jobs);
            await insert.ExecuteNonQueryAsync();
        }
        foreach (var table in new[] { "jobs", "job_search" })
        {
            // One statement per command: VACUUM refuses to run inside a batch.
            await using var analyze = raw.CreateCommand($"VACUUM ANALYZE {table}");
            analyze.CommandTimeout = 600;
            await analyze.ExecuteNonQueryAsync();
        }
        return Stopwatch.GetElapsedTime(started);
    }
}
