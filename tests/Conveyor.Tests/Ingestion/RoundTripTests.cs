using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Ingestion;

public sealed class SqliteRoundTripTests(SqliteIngestionFixture fixture) : RoundTrip(fixture.Server), IClassFixture<SqliteIngestionFixture>;

public sealed class PostgresRoundTripTests(PostgresIngestionFixture fixture) : RoundTrip(fixture.Server), IClassFixture<PostgresIngestionFixture>;

/// <summary>
/// Upload → job → records: what reads back equals the input, value for value and in column order, for each
/// format, plain and gzipped, on both stores.
/// </summary>
public abstract class RoundTrip(TestServer server)
{
    private static readonly string[][] People =
    [
        ["id", "name", "note"],
        ["1", "Ann", "plain"],
        ["2", "Bob, Jr.", "has \"quotes\""],
        ["3", "Cy", "two\nlines"],
        ["4", "Dé; ü", "=1+2"],
    ];

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in Inputs.Keys)
        {
            data.Add(name, false);
            data.Add(name, true);
        }
        return data;
    }

    private static readonly Dictionary<string, (byte[] Bytes, string[][] Expected, string Type)> Inputs = new()
    {
        ["csv comma with header, quoted delimiters and newlines"] = (Encoding.UTF8.GetBytes(Csv(',', "\r\n")), People, "csv"),
        ["csv semicolon"] = (Encoding.UTF8.GetBytes(Csv(';', "\n")), People, "csv"),
        ["csv tab"] = (Encoding.UTF8.GetBytes(Csv('\t', "\n")), People, "csv"),
        ["csv with UTF-8 BOM"] = ([0xef, 0xbb, 0xbf, .. Encoding.UTF8.GetBytes(Csv(',', "\n"))], People, "csv"),
        ["csv in UTF-16 LE with BOM"] = ([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Csv(',', "\n"))], People, "csv"),
        ["json array"] = (Encoding.UTF8.GetBytes(JsonArray()), People, "json"),
        ["ndjson"] = (Encoding.UTF8.GetBytes(Ndjson()), People, "ndjson"),
    };

    private static string Csv(char delimiter, string newline)
    {
        static string Cell(string v, char d) =>
            v.IndexOfAny([d, '"', '\n', '\r']) >= 0 ? "\"" + v.Replace("\"", "\"\"") + "\"" : v;
        return string.Concat(People.Select(row => string.Join(delimiter, row.Select(v => Cell(v, delimiter))) + newline));
    }

    private static JsonObject Object(string[] row)
    {
        var obj = new JsonObject();
        for (var i = 0; i < row.Length; i++) obj[People[0][i]] = row[i];
        return obj;
    }

    private static string JsonArray() => "[\n" + string.Join(",\n", People.Skip(1).Select(r => Object(r).ToJsonString())) + "\n]";

    private static string Ndjson() => string.Concat(People.Skip(1).Select(r => Object(r).ToJsonString() + "\n"));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Uploaded_rows_read_back_equal_to_the_input(string name, bool gzip)
    {
        var (bytes, expected, type) = Inputs[name];
        var dataset = "rt_" + Guid.NewGuid().ToString("N")[..12];
        var (status, body, text) = await server.Client.UploadAsync([(gzip ? "people.dat.gz" : "people.dat", gzip ? Uploads.Gzip(bytes) : bytes)],
            new Dictionary<string, string> { ["dataset"] = dataset });
        Assert.True(status == HttpStatusCode.Created, text);
        var job = body!["items"]![0]!;
        Assert.Equal(type, job["type"]!.GetValue<string>());
        var id = job.Id();

        var done = await server.Client.FinishedAsync(id);
        Assert.True(done.Status() == "succeeded", done.ToJsonString());
        Assert.Equal(expected.Length - 1, done["records_processed"]!.GetValue<long>());
        Assert.Equal(expected.Length - 1, done["records_total"]!.GetValue<long>());
        Assert.Equal(0, done["records_failed"]!.GetValue<long>());

        await AssertRowsAsync(expected, await server.Client.RecordsAsync($"/api/v1/jobs/{id}/records"));
        await AssertRowsAsync(expected, await server.Client.RecordsAsync($"/api/v1/datasets/{dataset}/records"));
        Assert.Equal(expected.Length - 1, await server.Database.CountAsync("records", "job_id = @id", id));
    }

    [Theory]
    [InlineData("application/json", "json")]
    [InlineData("application/x-ndjson", "ndjson")]
    public async Task Posted_json_reads_back_equal_to_the_input(string contentType, string type)
    {
        var payload = type == "json" ? JsonArray() : Ndjson();
        var dataset = "ij_" + Guid.NewGuid().ToString("N")[..12];
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, $"/api/v1/ingest/json?dataset={dataset}", payload, contentType);
        Assert.True(status == HttpStatusCode.Created, text);
        Assert.Equal(type, body!["type"]!.GetValue<string>());
        Assert.Equal("json_api", body["source_type"]!.GetValue<string>());
        var done = await server.Client.FinishedAsync(body.Id());
        Assert.Equal("succeeded", done.Status());
        await AssertRowsAsync(People, await server.Client.RecordsAsync($"/api/v1/datasets/{dataset}/records"));
    }

    [Fact]
    public async Task Detection_reports_delimiter_header_columns_and_samples()
    {
        var (status, body, _) = await server.Client.UploadAsync([("p.csv", Encoding.UTF8.GetBytes(Csv(';', "\n")))]);
        Assert.Equal(HttpStatusCode.Created, status);
        var id = body!["items"]![0]!.Id();
        var detection = JsonNode.Parse(await server.Client.GetStringAsync($"/api/v1/jobs/{id}/detection"))!;
        Assert.Equal("csv", detection["type"]!.GetValue<string>());
        Assert.Equal(";", detection["delimiter"]!.GetValue<string>());
        Assert.True(detection["has_header"]!.GetValue<bool>());
        Assert.Equal(["id", "name", "note"], detection["columns"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("integer", detection["columns"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("utf-8", detection["encoding"]!.GetValue<string>());
        Assert.Equal("Bob, Jr.", detection["sample_rows"]![1]!["name"]!.GetValue<string>());
        Assert.True(detection["confidence"]!.GetValue<double>() > 0.9);
    }

    [Fact]
    public async Task The_load_keeps_the_detection_result_its_upload_stored()
    {
        var (status, body, _) = await server.Client.UploadAsync([("d.csv", Encoding.UTF8.GetBytes(Csv(',', "\n")))]);
        Assert.Equal(HttpStatusCode.Created, status);
        var id = body!["items"]![0]!.Id();
        Assert.Equal("succeeded", (await server.Client.FinishedAsync(id)).Status());
        // Stored with the upload, before the job started; a load that wrote it again would stamp it after.
        Assert.Equal(1, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM detection_results d JOIN jobs j ON j.id = d.job_id WHERE d.job_id = @id AND d.detected_at <= j.started_at", id));
    }

    [Fact]
    public async Task Csv_export_escapes_formulas_and_quotes_cells()
    {
        var dataset = "csv_" + Guid.NewGuid().ToString("N")[..12];
        var (_, body, _) = await server.Client.UploadAsync([("p.csv", Encoding.UTF8.GetBytes(Csv(',', "\n")))],
            new Dictionary<string, string> { ["dataset"] = dataset });
        await server.Client.FinishedAsync(body!["items"]![0]!.Id());
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/datasets/{dataset}/records");
        request.Headers.Accept.ParseAdd("text/csv");
        using var response = await server.Client.SendAsync(request);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var csv = await response.Content.ReadAsStringAsync();
        Assert.Equal("id,name,note\r\n1,Ann,plain\r\n2,\"Bob, Jr.\",\"has \"\"quotes\"\"\"\r\n3,Cy,\"two\nlines\"\r\n4,Dé; ü,'=1+2\r\n", csv);
    }

    [Fact]
    public async Task Rows_that_fail_to_parse_are_counted_with_line_numbers_and_the_job_fails_past_the_error_ratio()
    {
        var good = string.Concat(Enumerable.Range(1, 98).Select(i => $"{{\"n\":{i}}}\n"));
        var twoBad = "{\"n\":0}\nnot json\n" + good + "[1]\n";
        var (_, body, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/ingest/json", twoBad, "application/x-ndjson");
        var passed = await server.Client.FinishedAsync(body!.Id());
        Assert.Equal("succeeded", passed.Status());
        Assert.Equal(99, passed["records_processed"]!.GetValue<long>());
        Assert.Equal(2, passed["records_failed"]!.GetValue<long>());
        var failures = JsonNode.Parse(await server.Client.GetStringAsync($"/api/v1/jobs/{body!.Id()}/failures"))!["items"]!.AsArray();
        Assert.Equal([2L, 101L], failures.Select(f => f!["line_number"]!.GetValue<long>()));

        var tooMany = "{\"n\":1}\nbad\nbad\n{\"n\":2}\n";
        var (_, failing, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/ingest/json", tooMany, "application/x-ndjson");
        var id = failing!.Id();
        var failed = await Eventually.WaitAsync(async () => (await server.Client.GetJobAsync(id))!,
            j => j.Status() == "failed", TimeSpan.FromSeconds(60), "the job to fail past its error ratio");
        Assert.Contains("error ratio", failed["error"]!.GetValue<string>());
        Assert.Equal(0, await server.Database.CountAsync("records", "job_id = @id", id));
    }

    private static Task AssertRowsAsync(string[][] expected, List<JsonObject> rows)
    {
        Assert.Equal(expected.Length - 1, rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            Assert.Equal(expected[0], row.Select(p => p.Key));
            Assert.Equal(expected[r + 1], row.Select(p => p.Value!.GetValue<string>()));
        }
        return Task.CompletedTask;
    }
}
