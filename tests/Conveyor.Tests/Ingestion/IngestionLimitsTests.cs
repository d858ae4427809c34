using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Ingestion;

/// <summary>Workers and small ingestion limits: 64 MiB expanded, 100,000 rows, gzip at most 200 times its size (checked after 1 MiB).</summary>
public abstract class IngestionLimitsFixture(Provider provider) : IAsyncLifetime
{
    public const long MaxRows = 100_000;

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(provider, new Dictionary<string, string>
    {
        ["Conveyor:Workers:Count"] = "1",
        ["Conveyor:Workers:ProgressFlushInterval"] = "00:00:00.100",
        ["Conveyor:Ingestion:MaxExpandedBytes"] = (64L << 20).ToString(),
        ["Conveyor:Ingestion:MaxRows"] = MaxRows.ToString(),
        ["Conveyor:Ingestion:ExpansionCheckAfterBytes"] = (1 << 20).ToString(),
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class SqliteIngestionLimitsFixture() : IngestionLimitsFixture(Provider.Sqlite);

public sealed class PostgresIngestionLimitsFixture() : IngestionLimitsFixture(Provider.Postgres);

public sealed class SqliteIngestionLimitsTests(SqliteIngestionLimitsFixture fixture) : IngestionLimits(fixture.Server), IClassFixture<SqliteIngestionLimitsFixture>;

public sealed class PostgresIngestionLimitsTests(PostgresIngestionLimitsFixture fixture) : IngestionLimits(fixture.Server), IClassFixture<PostgresIngestionLimitsFixture>;

/// <summary>
/// A decompression bomb fails early with a safe message, a file past the expanded-bytes or row limit fails at its
/// limit with nothing kept, an admin may raise a job's limits and no one else may, and on SQLite the purged rows'
/// space goes back to the file system.
/// </summary>
public abstract class IngestionLimits(TestServer server)
{
    private static byte[] GzipOf(Action<Stream> write)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize)) write(gzip);
        return output.ToArray();
    }

    /// <summary>A CSV of <paramref name="rows"/> rows of about 200 bytes, every one different.</summary>
    private static byte[] WideCsv(int rows)
    {
        var text = new StringBuilder("id,payload\n");
        for (var i = 0; i < rows; i++) text.Append(i).Append(',').Append(Convert.ToHexString(BitConverter.GetBytes((long)i * 2654435761L)), 0, 16).Append(new string('x', 180)).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private async Task<JsonNode> UploadAndFinishAsync(HttpClient client, string name, byte[] bytes, string? metadata = null)
    {
        var fields = metadata is null ? null : new Dictionary<string, string> { ["metadata"] = metadata };
        var (status, body, text) = await client.UploadAsync([(name, bytes)], fields);
        Assert.True(status == HttpStatusCode.Created, text);
        return await client.FinishedAsync(body!["items"]![0]!.Id(), TimeSpan.FromSeconds(120));
    }

    private Task<long> RowsAsync(Guid id) => server.Database.CountAsync("records", "job_id = @id", id);

    [Fact]
    public async Task A_gzip_bomb_fails_at_once_with_a_safe_message_and_keeps_no_rows()
    {
        // 128 MiB of the same row in well under a megabyte: about a thousand times its size.
        var line = "1234567890,1234567890\n"u8.ToArray();
        var block = Enumerable.Repeat(line, 1 << 16).SelectMany(b => b).ToArray();
        var bomb = GzipOf(gzip =>
        {
            gzip.Write("a,b\n"u8);
            for (var i = 0; i < (128 << 20) / block.Length; i++) gzip.Write(block);
        });
        Assert.True(bomb.Length < (128 << 20) / 200, $"the bomb is {bomb.Length} bytes");

        var started = DateTime.UtcNow;
        var job = await UploadAndFinishAsync(server.Client, "bomb.csv.gz", bomb);

        Assert.True(job.Status() == "failed", job.ToJsonString());
        Assert.Equal(1, job["attempt"]!.GetValue<int>());
        var error = job["error"]!.GetValue<string>();
        Assert.Contains("decompression bomb", error);
        LeakAssert.Clean(error);
        // Stopped after its first megabytes, not 6 million rows later.
        Assert.True(job["records_processed"]!.GetValue<long>() <= IngestionLimitsFixture.MaxRows, job.ToJsonString());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60));
        Assert.Equal(0, await RowsAsync(job.Id()));
    }

    [Fact]
    public async Task A_file_past_its_expanded_bytes_fails_there_and_keeps_no_rows()
    {
        // About 4 MB of distinct rows, compressing a few times at most; this job's own limit is 1 MiB (set by the admin).
        var job = await UploadAndFinishAsync(server.Client, "wide.csv.gz", GzipOf(g => g.Write(WideCsv(20_000))),
            """{"max_expanded_bytes": 1048576}""");

        Assert.True(job.Status() == "failed", job.ToJsonString());
        Assert.Equal("The file expands to more than 1048576 bytes, the limit of Conveyor:Ingestion:MaxExpandedBytes.", job["error"]!.GetValue<string>());
        Assert.Equal(1, job["attempt"]!.GetValue<int>());
        Assert.Equal(0, await RowsAsync(job.Id()));
    }

    [Fact]
    public async Task A_file_with_more_rows_than_the_limit_fails_unless_an_admin_raised_the_limit_for_it()
    {
        var csv = Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", (int)IngestionLimitsFixture.MaxRows + 10)));

        var limited = await UploadAndFinishAsync(server.Client, "rows.csv", csv);
        Assert.True(limited.Status() == "failed", limited.ToJsonString());
        Assert.Equal($"The file holds more than {IngestionLimitsFixture.MaxRows} rows, the limit of Conveyor:Ingestion:MaxRows.", limited["error"]!.GetValue<string>());
        Assert.Equal(0, await RowsAsync(limited.Id()));

        var raised = await UploadAndFinishAsync(server.Client, "rows.csv", csv, """{"max_rows": 200000}""");
        Assert.True(raised.Status() == "succeeded", raised.ToJsonString());
        Assert.Equal(IngestionLimitsFixture.MaxRows + 10, raised["records_processed"]!.GetValue<long>());
    }

    [Fact]
    public async Task Only_an_admin_may_set_a_jobs_ingestion_limits()
    {
        var (_, created, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"tutor","role":"submitter"}""");
        var submitter = server.NewClient(created!["key"]!.GetValue<string>());
        var jobs = await server.Database.CountAsync("jobs");
        var files = Uploads.StoredFiles(server.DataDirectory).Length;

        var (status, body, text) = await submitter.UploadAsync([("a.csv", "a,b\n1,2\n"u8.ToArray())],
            new Dictionary<string, string> { ["metadata"] = """{"max_rows": 1000000000}""" });
        Assert.True(status == HttpStatusCode.Forbidden, text);
        Assert.Equal("Only an admin may set metadata.max_rows (a job's ingestion limits).", body!["detail"]!.GetValue<string>());
        var (status2, _, text2) = await submitter.SendAsync(HttpMethod.Post, "/api/v1/jobs", """{"type":"noop","metadata":{"max_expansion_ratio":0}}""");
        Assert.True(status2 == HttpStatusCode.Forbidden, text2);

        Assert.Equal(jobs, await server.Database.CountAsync("jobs"));
        Assert.Equal(files, Uploads.StoredFiles(server.DataDirectory).Length);
    }

    [Fact]
    public async Task On_sqlite_the_space_of_a_failed_loads_rows_goes_back_to_the_file_system()
    {
        if (server.Database.Provider != Provider.Sqlite) return;
        var file = Path.Combine(server.DataDirectory, "conveyor.db");
        await server.Database.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE)");
        var before = new FileInfo(file).Length;

        // About 21 MB of rows, loaded in batches, then the row limit fails the job and its rows are purged.
        var job = await UploadAndFinishAsync(server.Client, "wide.csv", WideCsv((int)IngestionLimitsFixture.MaxRows + 500));
        Assert.True(job.Status() == "failed", job.ToJsonString());
        Assert.Equal(0, await RowsAsync(job.Id()));

        // The file shrinks when a checkpoint copies the vacuumed pages back; one that meets the server's readers holding a
        // snapshot stops short (it answers "busy", not an error), so checkpoint again until the file has its size back.
        var after = await Eventually.WaitAsync(async () =>
        {
            await server.Database.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE)");
            return new FileInfo(file).Length;
        }, length => length - before < 2 << 20, TimeSpan.FromSeconds(20), "the database file to give the purged rows' space back");
        Assert.True(after - before < 2 << 20, $"the database grew from {before} to {after} bytes");
    }
}
