using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests;

public sealed class SqliteHostileInputTests(SqliteServerFixture fixture) : HostileInput(fixture.Server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresHostileInputTests(PostgresServerFixture fixture) : HostileInput(fixture.Server), IClassFixture<PostgresServerFixture>;

/// <summary>
/// Input that once got past the edge: a lone surrogate that stored a job no one could read back, unknown and repeated
/// fields, invalid UTF-8, bodies over the limit without a Content-Length, a multipart body cut short, control
/// characters in an uploaded file's name, unknown query parameters. Each is a 4xx problem that stores nothing and
/// leaves one <c>rejected</c> audit event.
/// </summary>
public abstract class HostileInput(TestServer server)
{
    private readonly TestServer _server = server;
    private HttpClient Client => _server.Client;

    private Task<long> JobCountAsync() => _server.Database.CountAsync("jobs");

    private Task<long> RejectedAsync(string action) =>
        _server.Database.CountAsync("audit_events", $"action = '{action}' AND outcome = 'rejected'");

    /// <summary>Sends <paramref name="body"/> (raw bytes) and checks: the status, nothing stored, one more rejected event.</summary>
    private async Task<JsonNode> RefusedAsync(string path, byte[] body, HttpStatusCode expected, string action, string contentType = "application/json",
        bool chunked = false)
    {
        var jobs = await JobCountAsync();
        var rejected = await RejectedAsync(action);
        HttpStatusCode status;
        string text;
        if (chunked)
        {
            (status, text) = await RawHttp.PostChunkedAsync(_server.Address, path, _server.AdminKey, contentType, body);
        }
        else
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            using var response = await Client.PostAsync(path, content);
            (status, text) = (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        Assert.True(expected == status, $"{path} answered {(int)status}: {text}");
        Assert.Equal(jobs, await JobCountAsync());
        // The audit event is written before the answer is sent.
        Assert.Equal(rejected + 1, await RejectedAsync(action));
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task A_lone_surrogate_in_metadata_is_refused_and_stores_no_job()
    {
        var problem = await RefusedAsync("/api/v1/jobs", Encoding.UTF8.GetBytes("""{"type":"noop","metadata":{"x":"\ud800"}}"""),
            HttpStatusCode.BadRequest, "job.create");
        Assert.Contains("surrogate", problem["errors"]!["metadata.x"]![0]!.GetValue<string>());
        // The list still reads back.
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Get, "/api/v1/jobs?type=noop&limit=100")).Status);
    }

    [Fact]
    public async Task A_lone_surrogate_in_the_upload_forms_metadata_is_refused()
    {
        var jobs = await JobCountAsync();
        var files = Uploads.StoredFiles(_server.DataDirectory).Length;
        var (status, body, text) = await Client.UploadAsync([("a.csv", "a,b\n1,2\n"u8.ToArray())],
            new Dictionary<string, string> { ["metadata"] = """{"x":"\udc00"}""" });
        Assert.True(status == HttpStatusCode.BadRequest, text);
        Assert.Contains("surrogate", body!["errors"]!["metadata"]![0]!.GetValue<string>());
        Assert.Equal(jobs, await JobCountAsync());
        Assert.Equal(files, Uploads.StoredFiles(_server.DataDirectory).Length);
    }

    [Fact]
    public async Task A_key_request_with_an_unknown_field_is_refused_and_makes_no_key()
    {
        var keys = await _server.Database.CountAsync("api_keys");
        var problem = await RefusedAsync("/api/v1/keys", Encoding.UTF8.GetBytes("""{"name":"ci","role":"admin","expiresAt":"2030-01-01T00:00:00Z"}"""),
            HttpStatusCode.BadRequest, "key.create");
        Assert.Equal("Unknown field.", problem["errors"]!["expiresAt"]![0]!.GetValue<string>());
        Assert.Equal(keys, await _server.Database.CountAsync("api_keys"));
    }

    [Fact]
    public async Task A_field_given_twice_is_refused_not_the_last_one_taken()
    {
        var problem = await RefusedAsync("/api/v1/jobs", Encoding.UTF8.GetBytes("""{"type":"noop","type":"fail"}"""), HttpStatusCode.BadRequest, "job.create");
        Assert.Equal("The field is given more than once.", problem["errors"]!["type"]![0]!.GetValue<string>());
        // Inside free-form metadata too.
        problem = await RefusedAsync("/api/v1/jobs", Encoding.UTF8.GetBytes("""{"type":"noop","metadata":{"a":1,"a":2}}"""), HttpStatusCode.BadRequest, "job.create");
        Assert.Equal("The field is given more than once.", problem["errors"]!["metadata.a"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Invalid_utf8_in_a_json_body_is_a_400()
    {
        byte[] body = [.. """{"type":"noop","metadata":{"x":" """u8, 0xff, 0xfe, .. "\"}}"u8];
        var problem = await RefusedAsync("/api/v1/jobs", body, HttpStatusCode.BadRequest, "job.create");
        Assert.Equal("The body is not valid UTF-8.", problem["errors"]!["$"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Ten_thousand_levels_of_nesting_are_a_400()
    {
        var deep = "{\"type\":\"noop\",\"metadata\":{\"x\":" + new string('[', 10_000) + new string(']', 10_000) + "}}";
        var problem = await RefusedAsync("/api/v1/jobs", Encoding.UTF8.GetBytes(deep), HttpStatusCode.BadRequest, "job.create");
        Assert.Contains("nested deeper than 64", problem["errors"]!.AsObject().Single().Value![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_chunked_json_body_over_the_limit_is_a_413()
    {
        // 20 MB and 50 MB, without a Content-Length: both past the 16 MiB JSON limit.
        foreach (var megabytes in new[] { 20, 50 })
        {
            var body = Encoding.UTF8.GetBytes("{\"type\":\"noop\",\"metadata\":{\"x\":\"" + new string('a', megabytes << 20) + "\"}}");
            var problem = await RefusedAsync("/api/v1/jobs", body, HttpStatusCode.RequestEntityTooLarge, "job.create", chunked: true);
            Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.14", problem["type"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_multipart_body_that_ends_before_its_closing_boundary_is_a_400_and_leaves_no_file()
    {
        var files = Uploads.StoredFiles(_server.DataDirectory).Length;
        var body = Encoding.ASCII.GetBytes("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n" +
            "Content-Type: text/csv\r\n\r\na,b\n1,2\n3,4\n");
        var problem = await RefusedAsync("/api/v1/upload", body, HttpStatusCode.BadRequest, "job.upload", "multipart/form-data; boundary=XYZ");
        Assert.Contains("malformed or ended early", problem["detail"]!.GetValue<string>());
        Assert.Equal(files, Uploads.StoredFiles(_server.DataDirectory).Length);
    }

    [Fact]
    public async Task An_uploaded_file_name_is_stored_without_control_or_format_characters()
    {
        var (status, body, text) = await Client.UploadAsync([("re\u0000p\u001b[31mort\u202Etxt.csv", "a,b\n1,2\n"u8.ToArray())]);
        Assert.True(status == HttpStatusCode.Created, text);
        var job = body!["items"]![0]!;
        Assert.Equal("rep[31morttxt.csv", job["file_name"]!.GetValue<string>());
        Assert.Equal("rep[31morttxt.csv", await _server.Database.ScalarAsync<string>("SELECT file_name FROM jobs WHERE id = @id", job.Id()));
    }

    [Theory]
    [InlineData("/api/v1/audit?colour=red", "colour")]
    [InlineData("/api/v1/audit?limit=1&limit=2", "limit")]
    [InlineData("/api/v1/datasets?x=1", "x")]
    [InlineData("/api/v1/keys?x=1", "x")]
    [InlineData("/api/v1/audit?actor=a%00b", "actor")]
    [InlineData("/api/v1/datasets/a%01b/records", "name")]
    public async Task Unknown_repeated_or_control_character_query_values_are_refused(string path, string field)
    {
        var (status, body, text) = await Client.SendAsync(HttpMethod.Get, path);
        Assert.True(status == HttpStatusCode.BadRequest, text);
        Assert.NotNull(body!["errors"]![field]);
    }

    [Fact]
    public async Task An_unknown_query_parameter_on_ingest_json_is_refused_and_audited()
    {
        var files = Uploads.StoredFiles(_server.DataDirectory).Length;
        var problem = await RefusedAsync("/api/v1/ingest/json?dataset=x&colour=red", "[{\"a\":1}]"u8.ToArray(), HttpStatusCode.BadRequest, "job.ingest");
        Assert.StartsWith("Unknown query parameter.", problem["errors"]!["colour"]![0]!.GetValue<string>());
        Assert.Equal(files, Uploads.StoredFiles(_server.DataDirectory).Length);
    }

    [Fact]
    public async Task Rows_and_metadata_stored_with_a_lone_surrogate_before_the_edge_refused_them_still_read_back()
    {
        // A job whose load stored {"a":"\ud800"} (as the NDJSON reader once did), through the store itself.
        var dataset = "stored-" + Guid.NewGuid().ToString("N")[..8];
        var id = (await Client.CreateJobAsync(new { type = "noop", dataset, priority = 1000 })).Id();
        var jobs = _server.Services.GetRequiredService<IJobStore>();
        var owner = "stored-" + dataset;
        // This test's top-priority job is the only queued one of its priority; others are finished on the way.
        while (true)
        {
            var claimed = Assert.Single(await jobs.ClaimAsync(owner, 1, TimeSpan.FromMinutes(10), default));
            if (claimed.Id == id) break;
            await jobs.CompleteAsync(owner, [new Completion(claimed.Id, JobOperation.Succeed, TransitionInput.None)], default);
        }
        var store = _server.Services.GetRequiredService<IRecordStore>();
        var job = (await jobs.GetAsync(id, default))!;
        var fence = new LoadFence(id, owner, job.Attempt, dataset);
        await using (var load = await store.BeginLoadAsync(fence, default))
        {
            await load.AddAsync(1, "{\"a\":\"\\ud800\"}".AsMemory(), default);
            await load.AddAsync(2, "{\"a\":\"ok \\ud83d\\ude00\"}".AsMemory(), default);
            await load.CompleteAsync([], default);
        }
        await jobs.CompleteAsync(owner,
            [new Completion(id, JobOperation.Succeed, TransitionInput.None)], default);
        if (_server.Database.Provider == Provider.Sqlite)
        {
            // PostgreSQL's jsonb cannot hold one; SQLite's text can.
            await _server.Database.ExecuteAsync($"UPDATE jobs SET metadata = '{{\"x\":\"\\ud800\"}}' WHERE id = '{id}'");
        }

        var rows = await Client.RecordsAsync($"/api/v1/datasets/{dataset}/records");
        Assert.Equal(["\ufffd", "ok \ud83d\ude00"], rows.Select(r => r["a"]!.GetValue<string>()));
        Assert.Equal(2, (await Client.RecordsAsync($"/api/v1/jobs/{id}/records")).Count);
        using var csv = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/datasets/{dataset}/records");
        csv.Headers.Accept.ParseAdd("text/csv");
        using var export = await Client.SendAsync(csv);
        Assert.Equal("a\r\n\ufffd\r\nok \ud83d\ude00\r\n", await export.Content.ReadAsStringAsync());
        foreach (var path in new[] { $"/api/v1/jobs/{id}", $"/api/v1/jobs/{id}/events", "/api/v1/jobs?limit=100", "/api/v1/jobs?status=succeeded", "/api/v1/jobs?type=noop" })
        {
            var (status, _, text) = await Client.SendAsync(HttpMethod.Get, path);
            Assert.True(status == HttpStatusCode.OK, $"{path}: {(int)status} {text}");
        }
        if (_server.Database.Provider == Provider.Sqlite)
            Assert.Equal("\ufffd", (await Client.GetJobAsync(id))!["metadata"]!["x"]!.GetValue<string>());
    }
}
