using System.Diagnostics;
using System.Globalization;
using Conveyor.Core;
using Conveyor.Ingestion.Readers;
using Conveyor.Storage;
using Conveyor.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Bench;

/// <summary>
/// The SQLite half of the ingestion load benchmark without HTTP and the worker loop: a CSV parsed by the job's own
/// reader into <see cref="SqliteJobStore.BeginLoadAsync"/>, against <c>sqlite3 .import --csv</c> of the same file
/// into a fresh WAL database with synchronous = FULL, timed in the same run.
/// </summary>
public static class SqliteLoadBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var directory = BenchStores.FreshDirectory(Path.Combine(Path.GetTempPath(), "conveyor-bench-load"));
        var csv = options.File ?? Path.Combine(directory, "load.csv");
        if (options.File is null) await WriteCsvAsync(csv, options.N);

        for (var run = 1; run <= options.Runs; run++)
        {
            var import = Import(csv, Path.Combine(directory, $"import-{run}.db"));
            var ours = await LoadAsync(csv, Path.Combine(directory, $"conveyor-{run}", "conveyor.db"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT bench=sqlite-load run={run} import={import.TotalSeconds:F2}s conveyor={ours.TotalSeconds:F2}s ratio={import / ours:F2}"));
            foreach (var file in Directory.EnumerateFiles(directory, "import-*")) File.Delete(file);
            Directory.Delete(Path.Combine(directory, $"conveyor-{run}"), recursive: true);
        }
        return 0;
    }

    /// <summary>The rows of bench/ingest/run.sh's make_csv.</summary>
    private static async Task WriteCsvAsync(string path, int rows)
    {
        await using var writer = new StreamWriter(path);
        await writer.WriteLineAsync("id,name,email,city,amount,active,created,note");
        for (var i = 1; i <= rows; i++)
        {
            await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{i},name {i},user{i}@example.org,city {i % 977},{i * 1.37:F2},{(i % 2 == 1 ? "true" : "false")},2026-01-{i % 28 + 1:00},\"note, {i} with a comma\""));
        }
    }

    private static TimeSpan Import(string csv, string database)
    {
        var start = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo("sqlite3",
            [database, "-cmd", "PRAGMA journal_mode=WAL", "-cmd", "PRAGMA synchronous=FULL", $".import --csv {csv} import_baseline"])
        {
            RedirectStandardOutput = true,
        })!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"sqlite3 .import exited with {process.ExitCode}");
        return start.Elapsed;
    }

    /// <summary>Claims a job and loads the file into it as the ingest handler does, from open file to completed load.</summary>
    private static async Task<TimeSpan> LoadAsync(string csv, string database)
    {
        var ct = CancellationToken.None;
        var store = new SqliteJobStore($"Data Source={database}", TimeProvider.System, NullLogger<SqliteJobStore>.Instance);
        await store.MigrateAsync(ct);
        await store.CreateAsync(new NewJob { Type = "csv", Dataset = "bench" }, AuditContext.System("job.create"), ct);
        var job = (await store.ClaimAsync("bench", 1, TimeSpan.FromMinutes(5), ct)).Single();

        var start = Stopwatch.StartNew();
        await using (var input = File.OpenRead(csv))
        await using (var load = await store.BeginLoadAsync(new LoadFence(job.Id, "bench", job.Attempt, "bench"), ct))
        {
            var sink = new Sink(load);
            await CsvRecordReader.ReadAsync(input, ',', '"', hasHeader: true, sink, ct);
            await load.CompleteAsync([], ct);
        }
        return start.Elapsed;
    }

    private sealed class Sink(IRecordLoad load) : IRowSink
    {
        private long _rows;

        public ValueTask ColumnsAsync(IReadOnlyList<string> columns, CancellationToken ct) => load.SetColumnsAsync(columns, ct);

        public ValueTask RowAsync(ReadOnlyMemory<char> json, CancellationToken ct) => load.AddAsync(++_rows, json, ct);

        public void Fail(long lineNumber, string reason) => throw new InvalidDataException($"line {lineNumber}: {reason}");
    }
}
