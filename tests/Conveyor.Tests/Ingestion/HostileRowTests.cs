using System.Net;
using System.Text;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Ingestion;

public sealed class SqliteHostileRowTests(SqliteIngestionFixture fixture) : HostileRows(fixture.Server), IClassFixture<SqliteIngestionFixture>;

public sealed class PostgresHostileRowTests(PostgresIngestionFixture fixture) : HostileRows(fixture.Server), IClassFixture<PostgresIngestionFixture>;

/// <summary>
/// Rows that cannot be stored so that they read back (a lone surrogate, invalid UTF-8) are parse failures of their
/// row, counted with their line, never stored; a file that can never load fails at once instead of being retried.
/// </summary>
public abstract class HostileRows(TestServer server)
{
    private HttpClient Client => server.Client;

    private async Task<Guid> IngestAsync(string path, byte[] body, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await Client.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return System.Text.Json.Nodes.JsonNode.Parse(text)!.Id();
    }

    [Theory]
    [InlineData("application/x-ndjson")]
    [InlineData("application/json")]
    public async Task A_row_with_a_lone_surrogate_or_invalid_utf8_is_a_failed_row_and_the_dataset_still_reads(string contentType)
    {
        var dataset = "surr-" + Guid.NewGuid().ToString("N")[..8];
        var ndjson = contentType.Contains("ndjson");
        // Invalid UTF-8 in the head would have the upload refused as binary; past it, it is one bad row.
        var good = Enumerable.Range(1, 5000).Select(i => Encoding.UTF8.GetBytes($"{{\"b\":\"ok {i}\"}}")).ToList();
        List<byte[]> rows = [Encoding.UTF8.GetBytes("""{"a":"\ud800"}"""), .. good, [.. """{"a":" """u8, 0xc3, 0x28, .. "\"}"u8]];
        var separator = ndjson ? "\n"u8.ToArray() : ",\n"u8.ToArray();
        var body = new List<byte>(ndjson ? [] : "[\n"u8.ToArray());
        for (var i = 0; i < rows.Count; i++)
        {
            if (i > 0) body.AddRange(separator);
            body.AddRange(rows[i]);
        }
        if (!ndjson) body.AddRange("\n]"u8.ToArray());
        var id = await IngestAsync($"/api/v1/ingest/json?dataset={dataset}", [.. body], contentType);

        var job = await Client.FinishedAsync(id);
        Assert.True(job.Status() == "succeeded", job.ToJsonString());
        Assert.Equal(5000, job["records_processed"]!.GetValue<long>());
        Assert.Equal(2, job["records_failed"]!.GetValue<long>());
        var failures = System.Text.Json.Nodes.JsonNode.Parse(await Client.GetStringAsync($"/api/v1/jobs/{id}/failures"))!["items"]!.AsArray();
        var first = ndjson ? 1 : 2;
        Assert.Equal([first, first + 5001], failures.Select(f => f!["line_number"]!.GetValue<long>()));
        Assert.Contains("surrogate", failures[0]!["reason"]!.GetValue<string>());
        Assert.Contains("UTF-8", failures[1]!["reason"]!.GetValue<string>());

        var page = System.Text.Json.Nodes.JsonNode.Parse(await Client.GetStringAsync($"/api/v1/jobs/{id}/records?limit=3"))!;
        Assert.Equal(["ok 1", "ok 2", "ok 3"], page["items"]!.AsArray().Select(i => i!["data"]!["b"]!.GetValue<string>()));
        foreach (var path in new[] { $"/api/v1/jobs/{id}/records", $"/api/v1/datasets/{dataset}/records" })
        {
            using var csv = new HttpRequestMessage(HttpMethod.Get, path);
            csv.Headers.Accept.ParseAdd("text/csv");
            using var export = await Client.SendAsync(csv);
            Assert.Equal(HttpStatusCode.OK, export.StatusCode);
            var lines = (await export.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["b", .. Enumerable.Range(1, 5000).Select(i => $"ok {i}")], lines);
        }
    }

    [Theory]
    [InlineData("malformed json array", "[{\"a\":1},{\"a\":", "application/json")]
    [InlineData("bad syntax mid-array", "[{\"a\":1},{\"a\":}]", "application/json")]
    public async Task A_file_that_can_never_load_fails_at_once_without_using_up_its_attempts(string name, string body, string contentType)
    {
        var id = await IngestAsync("/api/v1/ingest/json", Encoding.UTF8.GetBytes(body), contentType);
        var job = await Client.FinishedAsync(id);
        Assert.True(job.Status() == "failed", name);
        Assert.Equal(1, job["attempt"]!.GetValue<int>());
        Assert.Equal(3, job["max_attempts"]!.GetValue<int>());
        var events = System.Text.Json.Nodes.JsonNode.Parse(await Client.GetStringAsync($"/api/v1/jobs/{id}/events"))!["items"]!.AsArray();
        Assert.DoesNotContain(events, e => e!["type"]!.GetValue<string>() == "retry_scheduled");
    }
}
