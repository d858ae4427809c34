using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests;

/// <summary>
/// Pins the wire shape the seeds' clients read: property names, value kinds and words. A change of serializer
/// settings (naming policy, null handling, enum or date format) fails here.
/// </summary>
public sealed class JsonContractTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Provider.Sqlite);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly (string Name, string Kind)[] JobShape =
    [
        ("id", "uuid"), ("type", "string"), ("source_type", "string"), ("source_uri", "null"), ("file_name", "string"),
        ("file_size", "number"), ("mime_type", "null"), ("mode", "null"), ("priority", "number"), ("metadata", "object"),
        ("session_id", "null"), ("dataset", "null"), ("status", "string"), ("attempt", "number"), ("max_attempts", "number"),
        ("scheduled_at", "timestamp"), ("submitted_at", "timestamp"), ("created_at", "timestamp"), ("started_at", "null"),
        ("completed_at", "null"), ("updated_at", "timestamp"), ("records_processed", "number"), ("records_failed", "number"),
        ("records_total", "null"), ("error", "null"), ("error_ref", "null"), ("cancel_requested_at", "null"),
        ("lease_owner", "null"), ("lease_expires_at", "null"), ("retry_of", "null"), ("retried_by", "null"),
        ("created_by", "string"), ("synthetic", "bool"), ("links", "object"),
    ];

    [Fact]
    public async Task A_job_has_every_field_in_snake_case_with_nulls_present_and_lowercase_words()
    {
        var job = await _server.Client.CreateJobAsync(new { type = "noop", source_type = "csv_upload", file_name = "a.csv", file_size = 12 });

        AssertShape(job.AsObject(), JobShape);
        Assert.Equal("queued", job["status"]!.GetValue<string>());
        Assert.Equal("csv_upload", job["source_type"]!.GetValue<string>());
        Assert.Equal(job["created_at"]!.GetValue<string>(), job["submitted_at"]!.GetValue<string>());
        Assert.Equal(["self", "events", "cancel"], job["links"]!.AsObject().Select(p => p.Key));
        Assert.Equal("POST", job["links"]!["cancel"]!["method"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_job_list_has_items_total_page_page_size_cursor_and_links()
    {
        await _server.Client.CreateJobAsync(new { type = "noop", source_type = "csv_upload", file_name = "a.csv", file_size = 12 });
        var (status, body, _) = await _server.Client.SendAsync(HttpMethod.Get, "/api/v1/jobs?limit=1");

        Assert.Equal(HttpStatusCode.OK, status);
        var list = body!.AsObject();
        Assert.Equal(["items", "total", "total_capped", "page", "page_size", "next_cursor", "links"], list.Select(p => p.Key));
        Assert.Equal(1, list["total"]!.GetValue<long>());
        Assert.Equal(1, list["page"]!.GetValue<int>());
        Assert.Equal(1, list["page_size"]!.GetValue<int>());
        Assert.Null(list["next_cursor"]);
        AssertShape(list["items"]![0]!.AsObject(), JobShape);
    }

    [Fact]
    public async Task A_problem_has_type_title_status_detail_instance_and_an_errors_map()
    {
        var (status, body, _) = await _server.Client.SendAsync(HttpMethod.Post, "/api/v1/jobs", """{"type":"noop","priority":5000}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var problem = body!.AsObject();
        Assert.Equal(["type", "title", "status", "detail", "instance", "errors", "trace_id"], problem.Select(p => p.Key));
        Assert.Equal(400, problem["status"]!.GetValue<int>());
        Assert.Equal("Validation failed", problem["title"]!.GetValue<string>());
        Assert.Equal("/api/v1/jobs", problem["instance"]!.GetValue<string>());
        Assert.Equal(["priority"], problem["errors"]!.AsObject().Select(p => p.Key));
        Assert.Equal(JsonValueKind.Array, problem["errors"]!["priority"]!.GetValueKind());
    }

    [Fact]
    public async Task Problems_are_served_as_application_problem_json()
    {
        using var response = await _server.Client.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static void AssertShape(JsonObject json, (string Name, string Kind)[] shape)
    {
        Assert.Equal(shape.Select(s => s.Name), json.Select(p => p.Key));
        foreach (var (name, kind) in shape)
        {
            var node = json[name];
            var actual = node is null ? "null" : node.GetValueKind() switch
            {
                JsonValueKind.String when Guid.TryParse(node.GetValue<string>(), out _) => "uuid",
                JsonValueKind.String when IsUtcTimestamp(node.GetValue<string>()) => "timestamp",
                JsonValueKind.String => "string",
                JsonValueKind.Number => "number",
                JsonValueKind.True or JsonValueKind.False => "bool",
                JsonValueKind.Object => "object",
                JsonValueKind.Array => "array",
                var other => other.ToString(),
            };
            Assert.True(kind == actual, $"{name}: expected {kind}, got {actual} ({node?.ToJsonString()})");
        }
    }

    private static bool IsUtcTimestamp(string text) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$");
}
