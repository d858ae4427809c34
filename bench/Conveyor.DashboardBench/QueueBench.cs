using System.Diagnostics;
using System.Globalization;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Storage.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Conveyor.DashboardBench;

/// <summary>
/// The queue's first page (the dashboard's query: newest first, 50 rows, total capped at 10,000) at a million jobs in
/// PostgreSQL, with each one filter and with searches; p50/p95 of the store call (what the page's handler awaits), then
/// each one's plan (EXPLAIN ANALYZE via auto_explain), then the searches again without their index, as the baseline.
/// </summary>
internal static class QueueBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var connection = Environment.GetEnvironmentVariable("BENCH_PG") ?? throw new InvalidOperationException("BENCH_PG is not set.");
        var jobs = BenchTools.Arg(args, "--jobs", 1_000_000);
        var rounds = BenchTools.Arg(args, "--rounds", 200);
        var plansPath = BenchTools.StringArg(args, "--plans");

        await using var store = PostgresJobStore.Create(connection, TimeProvider.System);
        await store.MigrateAsync(CancellationToken.None);
        await using var raw = NpgsqlDataSource.Create(connection);
        var seeded = await SeedAsync(raw, jobs);
        Console.WriteLine($"seeded {jobs:N0} jobs in {seeded.TotalSeconds:F1} s");

        var probe = await ProbeAsync(raw);
        var cases = new (string Name, JobQuery Query)[]
        {
            ("no filter", new JobQuery()),
            ("status=failed (5%)", new JobQuery { Statuses = [JobStatus.Failed] }),
            ("status=queued (5%)", new JobQuery { Statuses = [JobStatus.Queued] }),
            ("status=succeeded (85%)", new JobQuery { Statuses = [JobStatus.Succeeded] }),
            ("type=sleep (10%)", new JobQuery { Type = "sleep" }),
            ("source_type=url (20%)", new JobQuery { SourceType = "url" }),
            ("dataset=dataset-42 (0.6%)", new JobQuery { Dataset = "dataset-42" }),
            ("session_id (one of 10,000)", new JobQuery { SessionId = probe.Session }),
            ("q=file name (exact)", new JobQuery { Search = probe.FileName }),
            ("q=file name (part of one)", new JobQuery { Search = probe.FileName[..^5] }),
            ("q=id prefix (8 chars)", new JobQuery { Search = probe.Id.ToString()[..8] }),
            ("q=metadata text (0.1%)", new JobQuery { Search = "batch-777\"" }),
        };
        var results = new List<(string Name, double P50, double P95, long Total)>();
        foreach (var (name, query) in cases)
        {
            var (p50, p95, total) = await TimeAsync(store, query with { Limit = 50, CountLimit = JobQuery.DefaultCountLimit }, rounds);
            results.Add((name, p50, p95, total));
            Console.WriteLine($"{name,-30} p50 {p50,7:F2} ms  p95 {p95,7:F2} ms  total {total:N0}");
        }

        if (plansPath is not null)
        {
            // The same calls once more on a connection that logs each statement's EXPLAIN ANALYZE (auto_explain).
            var explaining = new NpgsqlConnectionStringBuilder(connection)
            {
                Options = "-c auto_explain.log_min_duration=0 -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on -c auto_explain.log_nested_statements=on",
            }.ConnectionString;
            await using var explained = PostgresJobStore.Create(explaining, TimeProvider.System);
            foreach (var (name, query) in cases)
            {
                await using (var mark = raw.CreateCommand($"DO $$ BEGIN RAISE LOG 'plan: {name.Replace("'", "''")}'; END $$"))
                    await mark.ExecuteNonQueryAsync();
                await explained.ListAsync(query with { Limit = 50, CountLimit = JobQuery.DefaultCountLimit }, CancellationToken.None);
            }
        }

        // The baseline: the searches without the trigram index (what a search costs without it).
        await using (var drop = raw.CreateCommand("DROP INDEX job_search_trgm_idx")) await drop.ExecuteNonQueryAsync();
        var ratios = new List<string>();
        foreach (var (name, query) in cases.Where(c => c.Query.Search is not null))
        {
            var (_, p95, _) = await TimeAsync(store, query with { Limit = 50, CountLimit = JobQuery.DefaultCountLimit }, Math.Max(5, rounds / 20));
            var indexed = results.Single(r => r.Name == name).P95;
            Console.WriteLine($"{name,-30} without the index: p95 {p95,7:F2} ms  (indexed/unindexed {indexed / p95:F3})");
            ratios.Add(string.Create(CultureInfo.InvariantCulture, $"{name}={indexed / p95:F3}"));
        }
        await using (var create = raw.CreateCommand("CREATE INDEX job_search_trgm_idx ON job_search USING gin (document gin_trgm_ops)"))
        {
            create.CommandTimeout = 600;
            await create.ExecuteNonQueryAsync();
        }

        var filters = results.Where(r => !r.Name.StartsWith("q=", StringComparison.Ordinal)).ToList();
        var searches = results.Where(r => r.Name.StartsWith("q=file", StringComparison.Ordinal)).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT jobs={jobs} worst_filter_p95_ms={filters.Max(r => r.P95):F2} worst_file_search_p95_ms={searches.Max(r => r.P95):F2} " +
            $"worst_filter_vs_unfiltered={filters.Max(r => r.P95) / results[0].P95:F2} indexed_vs_unindexed: {string.Join(" ", ratios)}"));
        return 0;
    }

    private static async Task<(double P50, double P95, long Total)> TimeAsync(PostgresJobStore store, JobQuery query, int rounds)
    {
        for (var i = 0; i < 5; i++) await store.ListAsync(query, CancellationToken.None);
        var times = new List<double>(rounds);
        long total = 0;
        for (var i = 0; i < rounds; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var page = await store.ListAsync(query, CancellationToken.None);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            total = page.Total;
        }
        times.Sort();
        return (times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.95) - 1], total);
    }

    private sealed record Probe(Guid Id, string FileName, Guid Session);

    private static async Task<Probe> ProbeAsync(NpgsqlDataSource raw)
    {
        await using var command = raw.CreateCommand(
            "SELECT id, file_name, (SELECT session_id FROM jobs WHERE session_id IS NOT NULL ORDER BY id LIMIT 1) FROM jobs WHERE file_name = 'people-123456.csv'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
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
