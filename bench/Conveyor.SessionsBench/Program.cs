using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Conveyor.Auth;
using Conveyor.Hosting;
using Npgsql;

// The sessions pipeline queued to Ready (issue 13): N sessions from 1-minute WebVTT files, each POST /ingest/session
// (transcription, then summarization enqueued with its success), against the bare job machinery in the same run:
// N POST /api/v1/jobs of noop jobs drained by the same workers. Rounds alternate the two, each on a fresh database;
// the figures are medians of sessions/s, jobs/s and of the per-round ratio, with the handler time split by type
// (sum of completed_at - started_at from the store).
//   BENCH_PG_ADMIN=<npgsql connection string to the postgres db> Conveyor.SessionsBench [--sessions 1000] [--rounds 3]
//     [--workers 4] [--concurrency 16]
var sessions = BenchTools.Arg(args, "--sessions", 1000);
var rounds = BenchTools.Arg(args, "--rounds", 3);
var workers = BenchTools.Arg(args, "--workers", 4);
var concurrency = BenchTools.Arg(args, "--concurrency", 16);
var admin = Environment.GetEnvironmentVariable("BENCH_PG_ADMIN") ?? throw new InvalidOperationException("BENCH_PG_ADMIN is not set (bench/sessions/run.sh sets it).");

var captions = Enumerable.Range(0, sessions).Select(Captions).ToArray();
var pipelineRates = new List<double>();
var noopRates = new List<double>();
var ratios = new List<double>();
var transcriptionMs = new List<double>();
var summarizationMs = new List<double>();
for (var round = 0; round < rounds; round++)
{
    // The order alternates, so a drift of the machine's load falls on both alike.
    var pipelineFirst = round % 2 == 0;
    double pipeline = 0, noop = 0;
    foreach (var which in pipelineFirst ? new[] { "pipeline", "noop" } : ["noop", "pipeline"])
    {
        if (which == "pipeline")
        {
            var (rate, split) = await RunAsync(round, pipeline: true);
            pipeline = rate;
            transcriptionMs.Add(split.Transcription);
            summarizationMs.Add(split.Summarization);
        }
        else
        {
            noop = (await RunAsync(round, pipeline: false)).Rate;
        }
    }
    pipelineRates.Add(pipeline);
    noopRates.Add(noop);
    ratios.Add(pipeline / noop);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"round {round + 1}: {pipeline:F1} sessions/s, {noop:F1} noop jobs/s, ratio {ratios[^1]:F3}; handler ms per session: transcription {transcriptionMs[^1]:F2}, summarization {summarizationMs[^1]:F2}"));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT bench=sessions sessions={sessions} sessions_per_s={BenchTools.Median(pipelineRates):F1} noop_jobs_per_s={BenchTools.Median(noopRates):F1} " +
    $"sessions_over_noop={BenchTools.Median(ratios):F3} transcription_ms={BenchTools.Median(transcriptionMs):F2} " +
    $"summarization_ms={BenchTools.Median(summarizationMs):F2} workers={workers} concurrency={concurrency} rounds={rounds}"));
return 0;

async Task<(double Rate, (double Transcription, double Summarization) Split)> RunAsync(int round, bool pipeline)
{
    var database = $"conveyor_sessions_{round}_{(pipeline ? "p" : "n")}";
    await using (var source = NpgsqlDataSource.Create(admin))
    {
        await using var drop = source.CreateCommand($"DROP DATABASE IF EXISTS {database}");
        await drop.ExecuteNonQueryAsync();
        await using var create = source.CreateCommand($"CREATE DATABASE {database}");
        await create.ExecuteNonQueryAsync();
    }
    var connection = new NpgsqlConnectionStringBuilder(admin) { Database = database, MaxPoolSize = 64 }.ConnectionString;
    var key = ApiKeyGenerator.NewKey();
    var data = Directory.CreateTempSubdirectory("conveyor-sessionsbench-").FullName;
    await using var app = ConveyorHost.BuildServer([
        "--urls=http://127.0.0.1:0", $"--Conveyor:DataDirectory={data}", $"--Conveyor:Workers:Count={workers}",
        $"--Conveyor:Auth:BootstrapAdminKey={key}", "--Conveyor:Auth:RequestsPerKeyPerSecond=10000000", "--Logging:LogLevel:Default=Warning",
        "--Conveyor:Database:Provider=postgres", $"--ConnectionStrings:Conveyor={connection}",
    ]);
    await app.StartAsync();
    using var client = new HttpClient { BaseAddress = new Uri(BenchTools.Address(app)), Timeout = TimeSpan.FromMinutes(5) };
    client.DefaultRequestHeaders.Add("Authorization", "Bearer " + key);

    var clock = Stopwatch.StartNew();
    using var gate = new SemaphoreSlim(concurrency);
    await Task.WhenAll(Enumerable.Range(0, sessions).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            using var response = pipeline
                ? await client.PostAsync("/ingest/session", new MultipartFormDataContent
                {
                    { new StringContent("bench-101"), "course_id" },
                    { new StringContent($"Lecture {i}"), "title" },
                    { new ByteArrayContent(captions[i]), "file", $"lecture-{i}.vtt" },
                })
                : await client.PostAsJsonAsync("/api/v1/jobs", new { type = "noop" });
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        finally
        {
            gate.Release();
        }
    }));

    // Done when every job the run made has succeeded: sessions need both of theirs (the summarization appears with its transcription's success).
    var expected = pipeline ? 2 * sessions : sessions;
    await using var store = NpgsqlDataSource.Create(connection);
    while (true)
    {
        await using var count = store.CreateCommand("SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status IN ('failed', 'cancelled')) FROM jobs");
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (done, bad) = (reader.GetInt64(0), reader.GetInt64(1));
        if (bad > 0) throw new InvalidOperationException($"{bad} jobs did not succeed.");
        if (done >= expected) break;
        await Task.Delay(20);
    }
    var elapsed = clock.Elapsed.TotalSeconds;

    (double, double) split = (0, 0);
    if (pipeline)
    {
        await using var times = store.CreateCommand("""
            SELECT type, sum(extract(epoch FROM completed_at - started_at)) * 1000 / count(*) FROM jobs GROUP BY type
            """);
        await using var reader = await times.ExecuteReaderAsync();
        var byType = new Dictionary<string, double>();
        while (await reader.ReadAsync()) byType[reader.GetString(0)] = Convert.ToDouble(reader.GetValue(1), CultureInfo.InvariantCulture);
        split = (byType["transcription"], byType["summarization"]);
    }
    await app.StopAsync();
    Directory.Delete(data, recursive: true);
    return (sessions / elapsed, split);
}

// One minute of lecture captions: 15 cues of 4 s, a speaker on the first, sentences that differ from file to file.
static byte[] Captions(int n)
{
    string[] topics = ["cells", "membranes", "proteins", "enzymes", "mitochondria", "ribosomes", "the nucleus", "DNA", "RNA", "osmosis"];
    var text = new StringBuilder("WEBVTT\n\n");
    for (var cue = 0; cue < 15; cue++)
    {
        var start = TimeSpan.FromSeconds(cue * 4);
        var end = start + TimeSpan.FromSeconds(4);
        var topic = topics[(n + cue) % topics.Length];
        var speaker = cue == 0 ? "<v Lecturer>" : "";
        text.Append(CultureInfo.InvariantCulture, $"{start:mm\\:ss\\.fff} --> {end:mm\\:ss\\.fff}\n");
        text.Append(CultureInfo.InvariantCulture, $"{speaker}In part {cue + 1} of lecture {n} we look at {topic}. ");
        text.Append(CultureInfo.InvariantCulture, $"Remember that {topic} matter for how a living cell works, and why.\n\n");
    }
    return Encoding.UTF8.GetBytes(text.ToString());
}
