using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Sessions.Tests.Infrastructure;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Sessions;

public sealed class SqliteSessionPipelineTests() : SessionPipelineContract(Provider.Sqlite);

public sealed class PostgresSessionPipelineTests() : SessionPipelineContract(Provider.Postgres);

/// <summary>
/// The sessions pipeline end to end (SPEC §5, seeds 000/001), on the real app with its workers: <c>POST /ingest/session</c>
/// to a session that is Ready with a transcript and a summary, through captions, an inline transcript, audio on the real
/// pocketsphinx engine and audio on an OpenAI-compatible endpoint.
/// </summary>
public abstract class SessionPipelineContract(Provider provider)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private const string Vtt = """
        WEBVTT

        intro
        00:00.000 --> 00:04.000 align:start
        <v.lecturer Dr. Ada>Welcome to week one of biology.</v> Cells are the unit of life.

        00:04.000 --> 00:09.500
        Today we study the membrane &amp; its proteins. The membrane controls what enters the cell.

        """;

    private static Dictionary<string, string> Workers(IDictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string> { ["Conveyor:Workers:Count"] = "2" };
        foreach (var (key, value) in more ?? new Dictionary<string, string>()) settings[key] = value;
        return settings;
    }

    private static MultipartFormDataContent Form(string course, string title, (byte[] Bytes, string Name)? file = null,
        IDictionary<string, string>? fields = null)
    {
        var form = new MultipartFormDataContent { { new StringContent(course), "course_id" }, { new StringContent(title), "title" } };
        foreach (var (name, value) in fields ?? new Dictionary<string, string>()) form.Add(new StringContent(value), name);
        if (file is { } f) form.Add(new ByteArrayContent(f.Bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } }, "file", f.Name);
        return form;
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body, string Text, HttpResponseMessage Response)> PostAsync(HttpClient client,
        HttpContent content)
    {
        var response = await client.PostAsync("/ingest/session", content);
        var text = await response.Content.ReadAsStringAsync();
        var body = response.Content.Headers.ContentType?.MediaType?.Contains("json") == true && text.Length > 0 ? JsonNode.Parse(text) : null;
        return (response.StatusCode, body, text, response);
    }

    private static async Task<JsonNode> SessionAsync(HttpClient client, string id)
    {
        var (status, body, text) = await client.SendAsync(HttpMethod.Get, $"/api/v1/sessions/{id}");
        Assert.True(status == HttpStatusCode.OK, text);
        return body!;
    }

    private static Task<JsonNode> BadgeAsync(HttpClient client, string id, string label) =>
        Eventually.WaitAsync(() => SessionAsync(client, id), s => s["status_badge"]!["label"]!.GetValue<string>() == label, Deadline,
            $"session {id} to show {label}");

    private static string Id(JsonNode session) => session["id"]!.GetValue<string>();

    [Fact]
    public async Task A_vtt_upload_reaches_Ready_with_its_transcript_and_its_summary()
    {
        await using var server = await TestServer.StartAsync(provider, Workers());

        var (status, created, text, response) = await PostAsync(server.Client, Form("bio-101", "Week 1", (Encoding.UTF8.GetBytes(Vtt), "week1.vtt")));

        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal(["id", "course_id", "title", "synthetic", "created_at", "updated_at", "status_badge", "jobs", "transcript", "summary"],
            created!.AsObject().Select(p => p.Key));
        Assert.Equal($"/api/v1/sessions/{Id(created)}", response.Headers.Location?.ToString());
        Assert.Equal(("bio-101", "Week 1", false), (created["course_id"]!.GetValue<string>(), created["title"]!.GetValue<string>(),
            created["synthetic"]!.GetValue<bool>()));
        Assert.Equal("transcription", created["jobs"]![0]!["type"]!.GetValue<string>());
        Assert.Null(created["transcript"]);

        var ready = await BadgeAsync(server.Client, Id(created), "Ready");
        Assert.Equal("success", ready["status_badge"]!["style"]!.GetValue<string>());
        Assert.Equal([("transcription", "succeeded"), ("summarization", "succeeded")],
            ready["jobs"]!.AsArray().Select(j => (j!["type"]!.GetValue<string>(), j["status"]!.GetValue<string>())));
        var transcript = ready["transcript"]!;
        Assert.Equal(("webvtt", 9.5), (transcript["format"]!.GetValue<string>(), transcript["duration_seconds"]!.GetValue<double>()));
        var segments = transcript["segments"]!.AsArray();
        // The voice span names its speaker; the text after it closes has none (the W3C algorithm's voice spans).
        Assert.Equal(
            [(0, 0.0, 4.0, "Dr. Ada", "Welcome to week one of biology."), (1, 0.0, 4.0, null, "Cells are the unit of life."),
             (2, 4.0, 9.5, null, "Today we study the membrane & its proteins. The membrane controls what enters the cell.")],
            segments.Select(g => (g!["index"]!.GetValue<int>(), g["start_seconds"]!.GetValue<double>(), g["end_seconds"]!.GetValue<double>(),
                g["speaker"]?.GetValue<string>(), g["text"]!.GetValue<string>())));
        var summary = ready["summary"]!;
        Assert.Equal("extractive", summary["method"]!.GetValue<string>());
        var sentences = new[] { "Welcome to week one of biology.", "Cells are the unit of life.", "Today we study the membrane & its proteins.",
            "The membrane controls what enters the cell." };
        var points = summary["key_points"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.NotEmpty(points);
        Assert.All(points, p => Assert.Contains(p, sentences));
        // Words are runs of letters and digits ("&" is none).
        Assert.Equal(System.Text.RegularExpressions.Regex.Count(summary["text"]!.GetValue<string>(), @"[\p{L}\p{N}]+"), summary["word_count"]!.GetValue<int>());

        // The jobs list filters by the session, and the audit log holds the session's creation.
        var (_, jobs, _) = await server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs?session_id={Id(created)}");
        Assert.Equal(2, jobs!["items"]!.AsArray().Count);
        var (_, audit, _) = await server.Client.SendAsync(HttpMethod.Get, "/api/v1/audit?action=session.create");
        Assert.Equal([(Id(created), "applied")], audit!["items"]!.AsArray().Select(e => (e!["target"]!.GetValue<string>(), e["outcome"]!.GetValue<string>())));
    }

    [Fact]
    public async Task An_inline_transcript_as_json_reaches_Ready_and_its_job_says_where_it_came_from()
    {
        await using var server = await TestServer.StartAsync(provider, Workers());
        var body = JsonSerializer.Serialize(new { course_id = "bio-101", title = "Week 2", transcript = "Plants make sugar from light.\n\nAnimals eat plants." });

        var (status, created, text) = await server.Client.SendAsync(HttpMethod.Post, "/ingest/session", body);

        Assert.True(status == HttpStatusCode.OK, text);
        var ready = await BadgeAsync(server.Client, Id(created!), "Ready");
        Assert.Equal("text", ready["transcript"]!["format"]!.GetValue<string>());
        Assert.Equal(["Plants make sugar from light.", "Animals eat plants."],
            ready["transcript"]!["segments"]!.AsArray().Select(s => s!["text"]!.GetValue<string>()));
        var job = await server.Client.GetJobAsync(Guid.Parse(ready["jobs"]![0]!["id"]!.GetValue<string>()));
        Assert.Equal("text", job!["source_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_file_named_vtt_that_is_not_captions_fails_saying_so()
    {
        await using var server = await TestServer.StartAsync(provider, Workers());

        var (_, created, _, _) = await PostAsync(server.Client, Form("bio-101", "Notes", (Encoding.UTF8.GetBytes("just some notes\n"), "notes.vtt")));

        var failed = await BadgeAsync(server.Client, Id(created!), "Failed");
        Assert.Equal("danger", failed["status_badge"]!["style"]!.GetValue<string>());
        var job = await server.Client.GetJobAsync(Guid.Parse(failed["jobs"]![0]!["id"]!.GetValue<string>()));
        Assert.Contains("WebVTT", job!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, job["attempt"]!.GetValue<int>());
        Assert.Single(failed["jobs"]!.AsArray());
    }

    [Fact]
    public async Task A_wav_without_an_engine_fails_safely_and_after_setting_pocketsphinx_a_requeue_reaches_Ready_with_its_words()
    {
        using var speech = new Speech();
        var data = Directory.CreateTempSubdirectory("conveyor-sessions-").FullName;
        try
        {
            var shared = new Dictionary<string, string>
            {
                ["Conveyor:DataDirectory"] = data,
                ["ConnectionStrings:Conveyor"] = provider == Provider.Postgres
                    ? await TestPostgres.CreateDatabaseAsync()
                    : $"Data Source={Path.Combine(data, "conveyor.db")}",
            };
            string sessionId, jobId, adminKey;
            await using (var first = await TestServer.StartAsync(provider, Workers(shared)))
            {
                adminKey = first.AdminKey;
                var (status, created, text, _) = await PostAsync(first.Client, Form("bio-101", "Lecture", (await File.ReadAllBytesAsync(speech.Speech16k), "lecture.wav")));
                Assert.True(status == HttpStatusCode.OK, text);
                sessionId = Id(created!);
                var failed = await BadgeAsync(first.Client, sessionId, "Failed");
                jobId = failed["jobs"]![0]!["id"]!.GetValue<string>();
                var job = await first.Client.GetJobAsync(Guid.Parse(jobId));
                Assert.Equal("No transcription engine is configured: set Conveyor:Transcription:Command or Conveyor:Transcription:Endpoint.",
                    job!["error"]!.GetValue<string>());
                LeakAssert.Clean(job.ToJsonString());
            }

            var engine = new Dictionary<string, string>(shared) { ["Conveyor:Auth:BootstrapAdminKey"] = adminKey };
            for (var i = 0; i < Speech.Pocketsphinx.Length; i++) engine[$"Conveyor:Transcription:Command:{i}"] = Speech.Pocketsphinx[i];
            await using var second = await TestServer.StartAsync(provider, Workers(engine));
            var (requeued, _, requeueText) = await second.Client.SendAsync(HttpMethod.Post, $"/admin/jobs/{jobId}/retry");
            Assert.True(requeued == HttpStatusCode.OK, requeueText);

            var ready = await BadgeAsync(second.Client, sessionId, "Ready");
            var transcript = ready["transcript"]!;
            Assert.Equal("audio", transcript["format"]!.GetValue<string>());
            // pocketsphinx's small en-us model hears the start of espeak-ng's sentence right (the same bytes each run, sox -R).
            Assert.StartsWith("the quick brown fox", transcript["text"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.NotNull(ready["summary"]);
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Audio_sent_to_an_OpenAI_compatible_endpoint_reaches_Ready_with_its_words()
    {
        await using var openai = await OpenAiTranscriptionServer.StartAsync();
        openai.Respond = (_, c) => c.Response.WriteAsJsonAsync(new
        {
            text = "Mitochondria make energy. They have their own DNA.",
            language = "english",
            duration = 3.25,
            segments = new[]
            {
                new { start = 0.0, end = 1.5, text = " Mitochondria make energy." },
                new { start = 1.5, end = 3.25, text = " They have their own DNA." },
            },
        });
        await using var server = await TestServer.StartAsync(provider, Workers(new Dictionary<string, string>
        {
            ["Conveyor:Transcription:Endpoint"] = openai.BaseUrl.ToString(),
            ["Conveyor:Transcription:ApiKey"] = "sk-test-123",
        }));
        var wav = (byte[])[.. Wav.Header(16_000, 1, 16, 32_000), .. new byte[32_000]];

        var (status, created, text, _) = await PostAsync(server.Client, Form("bio-101", "Cells", (wav, "cells.wav")));

        Assert.True(status == HttpStatusCode.OK, text);
        var ready = await BadgeAsync(server.Client, Id(created!), "Ready");
        Assert.Equal(["Mitochondria make energy.", "They have their own DNA."],
            ready["transcript"]!["segments"]!.AsArray().Select(s => s!["text"]!.GetValue<string>()));
        var request = Assert.Single(openai.Requests);
        Assert.Equal(("Bearer sk-test-123", "whisper-1"), (request.Authorization, request.Model));
        Assert.Equal(wav, request.File);
    }
}
