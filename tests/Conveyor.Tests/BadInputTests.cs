using System.Net;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests;

public sealed class SqliteBadInputTests(SqliteServerFixture fixture) : BadInput(fixture.Server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresBadInputTests(PostgresServerFixture fixture) : BadInput(fixture.Server), IClassFixture<PostgresServerFixture>;

/// <summary>
/// Bad input gets a 4xx problem (status, title, detail) and changes nothing, on either store; no answer carries a
/// stack trace, a file path or SQL text.
/// </summary>
public abstract class BadInput(TestServer server)
{
    private readonly TestServer _server = server;

    public static TheoryData<string, string, string?, string, HttpStatusCode, string> Cases => new()
    {
        // name, method+path, body, content type, status, field named in errors (or "" for none)
        { "malformed JSON", "POST /api/v1/jobs", """{"type":"noop",""", "application/json", HttpStatusCode.BadRequest, "$" },
        { "not an object", "POST /api/v1/jobs", """[1,2,3]""", "application/json", HttpStatusCode.BadRequest, "$" },
        { "JSON null", "POST /api/v1/jobs", "null", "application/json", HttpStatusCode.BadRequest, "" },
        { "empty body", "POST /api/v1/jobs", null, "application/json", HttpStatusCode.BadRequest, "" },
        { "wrong type: priority as string", "POST /api/v1/jobs", """{"type":"noop","priority":"high"}""", "application/json", HttpStatusCode.BadRequest, "priority" },
        { "wrong type: type as number", "POST /api/v1/jobs", """{"type":5}""", "application/json", HttpStatusCode.BadRequest, "type" },
        { "wrong type: metadata as array", "POST /api/v1/jobs", """{"type":"noop","metadata":[1]}""", "application/json", HttpStatusCode.BadRequest, "metadata" },
        { "bad timestamp", "POST /api/v1/jobs", """{"type":"noop","scheduled_at":"tomorrow"}""", "application/json", HttpStatusCode.BadRequest, "scheduled_at" },
        { "unknown field", "POST /api/v1/jobs", """{"type":"noop","colour":"red"}""", "application/json", HttpStatusCode.BadRequest, "colour" },
        { "missing type", "POST /api/v1/jobs", """{"priority":1}""", "application/json", HttpStatusCode.BadRequest, "type" },
        { "unknown job type", "POST /api/v1/jobs", """{"type":"nuke"}""", "application/json", HttpStatusCode.BadRequest, "type" },
        { "priority out of range", "POST /api/v1/jobs", """{"type":"noop","priority":100000}""", "application/json", HttpStatusCode.BadRequest, "priority" },
        { "max_attempts zero", "POST /api/v1/jobs", """{"type":"noop","max_attempts":0}""", "application/json", HttpStatusCode.BadRequest, "max_attempts" },
        { "NUL in metadata", "POST /api/v1/jobs", """{"type":"noop","metadata":{"a":"x\u0000y"}}""", "application/json", HttpStatusCode.BadRequest, "metadata.a" },
        { "control character in file name", "POST /api/v1/jobs", """{"type":"noop","file_name":"a\u0001.csv"}""", "application/json", HttpStatusCode.BadRequest, "file_name" },
        { "bad dataset name", "POST /api/v1/jobs", """{"type":"noop","dataset":"../etc"}""", "application/json", HttpStatusCode.BadRequest, "dataset" },
        { "not JSON media type", "POST /api/v1/jobs", """type=noop""", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType, "" },
        { "batch over 1000", "POST /api/v1/jobs/batch", "{\"jobs\":[" + string.Join(",", Enumerable.Repeat("{\"type\":\"noop\"}", 1001)) + "]}", "application/json", HttpStatusCode.BadRequest, "jobs" },
        { "batch with one bad job", "POST /api/v1/jobs/batch", """{"jobs":[{"type":"noop"},{"type":"noop","priority":"x"}]}""", "application/json", HttpStatusCode.BadRequest, "jobs[1].priority" },
        { "batch with one invalid job", "POST /api/v1/jobs/batch", """{"jobs":[{"type":"noop"},{"type":"nuke"}]}""", "application/json", HttpStatusCode.BadRequest, "jobs[1].type" },
        { "empty batch", "POST /api/v1/jobs/batch", """{"jobs":[]}""", "application/json", HttpStatusCode.BadRequest, "jobs" },
        { "limit over 100", "GET /api/v1/jobs?limit=101", null, "", HttpStatusCode.BadRequest, "limit" },
        { "negative page", "GET /api/v1/jobs?page=-1", null, "", HttpStatusCode.BadRequest, "page" },
        { "sort_by outside the whitelist", "GET /api/v1/jobs?sort_by=error;DROP TABLE jobs", null, "", HttpStatusCode.BadRequest, "sort_by" },
        { "bad sort order", "GET /api/v1/jobs?sort_order=sideways", null, "", HttpStatusCode.BadRequest, "sort_order" },
        { "unknown status filter", "GET /api/v1/jobs?status=done", null, "", HttpStatusCode.BadRequest, "status" },
        { "unknown query parameter", "GET /api/v1/jobs?colour=red", null, "", HttpStatusCode.BadRequest, "colour" },
        { "forged cursor", "GET /api/v1/jobs?cursor=eyJTIjowLCJEIjp0cnVlLCJLIjoibm90LWEtbnVtYmVyIiwiSSI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCJ9", null, "", HttpStatusCode.BadRequest, "cursor" },
        { "garbage cursor", "GET /api/v1/jobs?cursor=%%%", null, "", HttpStatusCode.BadRequest, "cursor" },
        { "non-UUID id on get", "GET /api/v1/jobs/123", null, "", HttpStatusCode.BadRequest, "id" },
        { "non-UUID id on events", "GET /api/v1/jobs/abc/events", null, "", HttpStatusCode.BadRequest, "id" },
        { "non-UUID id on cancel", "POST /api/v1/jobs/' OR 1=1 --/cancel", null, "", HttpStatusCode.BadRequest, "id" },
        { "non-UUID id on delete", "DELETE /api/v1/jobs/..%2F..%2Fetc", null, "", HttpStatusCode.BadRequest, "id" },
        { "non-UUID id on retry", "POST /api/v1/jobs/xyz/retry", null, "", HttpStatusCode.BadRequest, "id" },
        { "non-UUID id on requeue", "POST /api/v1/jobs/xyz/requeue", null, "", HttpStatusCode.BadRequest, "id" },
        { "retry override with unknown field", $"POST /api/v1/jobs/{Guid.Empty}/retry", """{"config_override":{"type":"x"}}""", "application/json", HttpStatusCode.BadRequest, "config_override.type" },
        { "retry override out of range", $"POST /api/v1/jobs/{Guid.Empty}/retry", """{"config_override":{"priority":99999}}""", "application/json", HttpStatusCode.BadRequest, "config_override.priority" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_a_problem_and_changes_nothing(string name, string route, string? body, string contentType,
        HttpStatusCode expected, string field)
    {
        var jobsBefore = await _server.Database.CountAsync("jobs");
        var eventsBefore = await _server.Database.CountAsync("job_events");
        var parts = route.Split(' ', 2);
        var (status, problem, text) = await _server.Client.SendAsync(new HttpMethod(parts[0]), parts[1], body,
            contentType.Length == 0 ? "application/json" : contentType);

        Assert.True(expected == status, $"{name}: expected {expected}, got {status}: {text}");
        Assert.NotNull(problem);
        Assert.Equal((int)expected, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()), $"{name}: no title");
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), $"{name}: no detail");
        if (field.Length > 0)
        {
            Assert.True(problem["errors"]?.AsObject().ContainsKey(field) == true, $"{name}: errors should name '{field}': {text}");
        }
        LeakAssert.Clean(text);
        Assert.Equal(jobsBefore, await _server.Database.CountAsync("jobs"));
        Assert.Equal(eventsBefore, await _server.Database.CountAsync("job_events"));
    }
}
