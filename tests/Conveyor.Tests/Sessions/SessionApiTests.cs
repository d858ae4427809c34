using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Auth;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Sessions;

public sealed class SqliteSessionApiTests(SqliteServerFixture fixture) : SessionApiContract(fixture.Server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresSessionApiTests(PostgresServerFixture fixture) : SessionApiContract(fixture.Server), IClassFixture<PostgresServerFixture>;

/// <summary>
/// <c>POST /ingest/session</c>'s refusals (each a problem that names the field, leaving no session, job or file and a
/// <c>rejected</c> audit event) and the sessions API's reads and paging. No workers run: sessions stay Queued.
/// </summary>
public abstract class SessionApiContract(TestServer server)
{
    private static string Course() => "course-" + Guid.NewGuid().ToString("N")[..8];

    private Task<(HttpStatusCode Status, JsonNode? Body, string Text)> IngestJsonAsync(object body, HttpClient? client = null) =>
        (client ?? server.Client).SendAsync(HttpMethod.Post, "/ingest/session", JsonSerializer.Serialize(body));

    private async Task<(HttpStatusCode Status, JsonNode? Body, string Text)> IngestFormAsync(MultipartFormDataContent form)
    {
        using var response = await server.Client.PostAsync("/ingest/session", form);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, text);
    }

    private async Task<int> SessionsOfAsync(string course)
    {
        var (_, body, _) = await server.Client.SendAsync(HttpMethod.Get, $"/api/v1/sessions?course_id={course}");
        return body!["items"]!.AsArray().Count;
    }

    private int UploadDirectories() =>
        Directory.Exists(Path.Combine(server.DataDirectory, "uploads")) ? Directory.GetDirectories(Path.Combine(server.DataDirectory, "uploads")).Length : 0;

    private static void AssertField(HttpStatusCode status, JsonNode? body, string text, HttpStatusCode expected, string field)
    {
        Assert.True(status == expected, text);
        Assert.Equal((int)expected, body!["status"]!.GetValue<int>());
        if (field.Length > 0) Assert.NotNull(body["errors"]?[field]);
        LeakAssert.Clean(text);
    }

    public static TheoryData<string, string, string> BadJson => new()
    {
        { "no source", """{"course_id":"C","title":"t"}""", "source" },
        { "two sources", """{"course_id":"C","title":"t","transcript":"hi","source_uri":"https://example.com/a.vtt"}""", "source" },
        { "no course", """{"title":"t","transcript":"hi"}""", "course_id" },
        { "blank title", """{"course_id":"C","title":"  ","transcript":"hi"}""", "title" },
        { "control character in title", """{"course_id":"C","title":"a\u001bb","transcript":"hi"}""", "title" },
        { "course too long", $$"""{"course_id":"{{new string('c', 201)}}","title":"t","transcript":"hi"}""", "course_id" },
        { "unknown field", """{"course_id":"C","title":"t","transcript":"hi","synthetic":true}""", "synthetic" },
        { "empty transcript", """{"course_id":"C","title":"t","transcript":" "}""", "transcript" },
        { "not http", """{"course_id":"C","title":"t","source_uri":"file:///etc/passwd"}""", "source_uri" },
        { "private address", """{"course_id":"C","title":"t","source_uri":"http://10.0.0.1/a.vtt"}""", "source_uri" },
    };

    [Theory]
    [MemberData(nameof(BadJson))]
    public async Task A_refused_json_session_names_the_field_and_stores_nothing(string what, string json, string field)
    {
        var course = Course();
        var uploads = UploadDirectories();
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, "/ingest/session", json.Replace("\"C\"", $"\"{course}\""));

        AssertField(status, body, text, HttpStatusCode.BadRequest, field);
        Assert.Equal(0, await SessionsOfAsync(course));
        Assert.Equal(uploads, UploadDirectories());
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public async Task A_form_with_an_unknown_field_two_files_or_a_file_that_is_not_a_source_is_refused_and_leaves_no_file()
    {
        var course = Course();
        var uploads = UploadDirectories();
        MultipartFormDataContent Form() => new() { { new StringContent(course), "course_id" }, { new StringContent("t"), "title" } };

        var unknown = Form();
        unknown.Add(new StringContent("x"), "colour");
        var (s1, b1, t1) = await IngestFormAsync(unknown);
        AssertField(s1, b1, t1, HttpStatusCode.BadRequest, "");
        Assert.Contains("colour", b1!["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var two = Form();
        two.Add(new ByteArrayContent("WEBVTT\n\n"u8.ToArray()), "file", "a.vtt");
        two.Add(new ByteArrayContent("WEBVTT\n\n"u8.ToArray()), "file", "b.vtt");
        var (s2, b2, t2) = await IngestFormAsync(two);
        AssertField(s2, b2, t2, HttpStatusCode.BadRequest, "");

        var png = Form();
        png.Add(new ByteArrayContent([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), "file", "slide.png");
        var (s3, b3, t3) = await IngestFormAsync(png);
        AssertField(s3, b3, t3, HttpStatusCode.UnsupportedMediaType, "");

        var fileAndTranscript = Form();
        fileAndTranscript.Add(new StringContent("hello"), "transcript");
        fileAndTranscript.Add(new ByteArrayContent("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n"u8.ToArray()), "file", "a.vtt");
        var (s4, b4, t4) = await IngestFormAsync(fileAndTranscript);
        AssertField(s4, b4, t4, HttpStatusCode.BadRequest, "source");

        Assert.Equal(0, await SessionsOfAsync(course));
        Assert.Equal(uploads, UploadDirectories());
    }

    [Fact]
    public async Task Another_media_type_is_a_415_and_a_viewer_may_not_create_a_session()
    {
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, "/ingest/session", "course_id=a", "text/plain");
        AssertField(status, body, text, HttpStatusCode.UnsupportedMediaType, "");

        var (_, key, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", JsonSerializer.Serialize(new { name = "v", role = Roles.Viewer }));
        var viewer = server.NewClient(key!["key"]!.GetValue<string>());
        var course = Course();
        var (denied, problem, deniedText) = await IngestJsonAsync(new { course_id = course, title = "t", transcript = "hi" }, viewer);
        AssertField(denied, problem, deniedText, HttpStatusCode.Forbidden, "");
        Assert.Equal(0, await SessionsOfAsync(course));
        // A viewer reads sessions.
        var (read, _, _) = await viewer.SendAsync(HttpMethod.Get, $"/api/v1/sessions?course_id={course}");
        Assert.Equal(HttpStatusCode.OK, read);
    }

    [Fact]
    public async Task A_refused_session_leaves_a_rejected_audit_event()
    {
        var (status, _, text) = await IngestJsonAsync(new { course_id = Course(), title = "t" });
        Assert.True(status == HttpStatusCode.BadRequest, text);
        var (_, audit, _) = await server.Client.SendAsync(HttpMethod.Get, "/api/v1/audit?action=session.create");
        Assert.Equal("rejected", audit!["items"]![0]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_course_lists_its_sessions_newest_first_in_pages_and_each_reads_back_by_id()
    {
        var course = Course();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (status, body, text) = await IngestJsonAsync(new { course_id = course, title = $"Week {i + 1}", transcript = "Hello there." });
            Assert.True(status == HttpStatusCode.OK, text);
            Assert.Equal("Queued", body!["status_badge"]!["label"]!.GetValue<string>());
            ids.Add(body["id"]!.GetValue<string>());
            Milliseconds.Next();
        }

        var (_, page, _) = await server.Client.SendAsync(HttpMethod.Get, $"/api/v1/sessions?course_id={course}&limit=2");
        Assert.Equal(["items", "limit", "next_cursor"], page!.AsObject().Select(p => p.Key));
        Assert.Equal([ids[2], ids[1]], page["items"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        Assert.DoesNotContain("transcript", page["items"]![0]!.AsObject().Select(p => p.Key));
        Assert.Contains("summary", page["items"]![0]!.AsObject().Select(p => p.Key));
        var cursor = page["next_cursor"]!.GetValue<string>();
        var (_, rest, _) = await server.Client.SendAsync(HttpMethod.Get, $"/api/v1/sessions?course_id={course}&limit=2&cursor={cursor}");
        Assert.Equal([ids[0]], rest!["items"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        Assert.Null(rest["next_cursor"]);

        var (status2, one, _) = await server.Client.SendAsync(HttpMethod.Get, $"/api/v1/sessions/{ids[0]}");
        Assert.Equal(HttpStatusCode.OK, status2);
        Assert.Equal(("Week 1", course), (one!["title"]!.GetValue<string>(), one["course_id"]!.GetValue<string>()));
        Assert.Null(one["transcript"]);
        Assert.Null(one["summary"]);
    }

    [Theory]
    [InlineData("/api/v1/sessions/not-a-uuid", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/sessions/00000000-0000-0000-0000-000000000001", HttpStatusCode.NotFound)]
    [InlineData("/api/v1/sessions?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/sessions?limit=101", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/sessions?cursor=abc", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/sessions?synthetic=maybe", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/sessions?colour=red", HttpStatusCode.BadRequest)]
    public async Task A_bad_read_is_a_problem(string path, HttpStatusCode expected)
    {
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Get, path);
        Assert.True(status == expected, text);
        Assert.Equal((int)expected, body!["status"]!.GetValue<int>());
        LeakAssert.Clean(text);
    }
}
