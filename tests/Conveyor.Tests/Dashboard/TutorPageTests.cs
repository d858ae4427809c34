using System.Net;
using System.Text.RegularExpressions;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;
using Conveyor.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;

namespace Conveyor.Tests.Dashboard;

/// <summary>
/// The tutor's course page (seed 001, SPEC §5) in a real browser: sessions added through its form, their badges following
/// the real pipeline live (over the stream, and by polling when the stream is down), and what a viewer may not do.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TutorPageTests(BrowserFixture browser)
{
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(2);
    private const string Course = "bio-101";

    private const string Vtt = """
        WEBVTT

        intro
        00:00.000 --> 00:04.000 align:start
        <v.lecturer Dr. Ada>Welcome to week one of biology.</v> Cells are the unit of life.

        00:04.000 --> 00:09.500
        Today we study the membrane &amp; its proteins. The membrane controls what enters the cell.

        """;

    [Fact]
    public async Task The_badge_walks_Queued_Transcribing_Summarizing_Ready_as_an_uploaded_caption_file_runs_through_the_pipeline()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        await dashboard.Page.GotoAsync($"/tutor/courses/{Course}");
        Assert.Contains("No sessions in this course yet", await dashboard.Page.Locator("#session-rows").InnerTextAsync());

        var captions = Path.Combine(server.DataDirectory, "week1.vtt");
        await File.WriteAllTextAsync(captions, Vtt);
        await dashboard.Page.GetByText("Add a session").ClickAsync();
        await dashboard.Page.GetByLabel("Title").FillAsync("Week 1");
        await dashboard.Page.GetByLabel("Captions or audio").SetInputFilesAsync(captions);
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Add session" }).ClickAsync();
        await dashboard.Page.WaitForURLAsync(new Regex("added="));
        Assert.Contains("“Week 1” was added: it is Queued.", await dashboard.Page.Locator("#live-status").InnerTextAsync());
        var session = Assert.Single((await server.Services.GetRequiredService<ISessionStore>().ListSessionsAsync(new SessionQuery(Course), CancellationToken.None)).Items);
        Assert.Equal("week1.vtt", Assert.Single(session.Jobs).FileName);
        await AssertBadgeAsync(dashboard, session.Id, "Queued", "info");
        await dashboard.Page.EvaluateAsync("() => window.__sameDocument = true");
        await dashboard.WaitForLiveAsync();

        // The worker's part, played by the test with the app's own queue and handlers: claim, run the real handler, complete.
        var transcription = await ClaimAsync(server, SessionJobTypes.Transcription);
        await AssertBadgeAsync(dashboard, session.Id, "Transcribing", "progress");
        // Two cues, none skipped: three segments (the voice span is one, the text after it another).
        Assert.Equal((3L, 0L, (long?)3), await RunAndCompleteAsync(server, transcription));
        await AssertBadgeAsync(dashboard, session.Id, "Queued", "info");
        var summarization = await ClaimAsync(server, SessionJobTypes.Summarization);
        await AssertBadgeAsync(dashboard, session.Id, "Summarizing", "progress");
        await RunAndCompleteAsync(server, summarization);
        await AssertBadgeAsync(dashboard, session.Id, "Ready", "success");

        await Assertions.Expect(dashboard.Page.Locator("#live-status")).ToHaveTextAsync("“Week 1” is Ready.", new() { Timeout = (float)Live.TotalMilliseconds });
        var jobs = await Row(dashboard, session.Id).Locator(".session-jobs li").AllInnerTextsAsync();
        Assert.Equal(["transcription succeeded", "summarization succeeded"], jobs.Select(j => Regex.Replace(j.Trim(), @"\s+", " ")));
        Assert.True(await dashboard.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded");

        // Each job links to its page, which links back to the course.
        await Row(dashboard, session.Id).GetByRole(AriaRole.Link, new() { Name = "summarization job", Exact = false }).ClickAsync();
        await dashboard.Page.WaitForURLAsync($"**/jobs/{summarization.Id}");
        await dashboard.Page.GetByRole(AriaRole.Link, new() { Name = Course, Exact = true }).ClickAsync();
        await dashboard.Page.WaitForURLAsync($"**/tutor/courses/{Course}");
        await dashboard.Page.GetByRole(AriaRole.Link, new() { Name = "Summaries" }).ClickAsync();
        var summary = dashboard.Page.Locator($"section[aria-labelledby='summary-{session.Id}']");
        Assert.Contains("Week 1", await summary.Locator("h2").InnerTextAsync());
        Assert.Contains("membrane", await summary.InnerTextAsync());
        Assert.Equal("page", await dashboard.Page.GetByRole(AriaRole.Link, new() { Name = "Summaries" }).GetAttributeAsync("aria-current"));
    }

    [Fact]
    public async Task A_pasted_transcript_reaches_Ready_on_the_servers_own_workers_without_a_reload()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string> { ["Conveyor:Workers:Count"] = "1" });
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        await dashboard.Page.GotoAsync($"/tutor/courses/{Course}");
        await dashboard.Page.GetByText("Add a session").ClickAsync();
        await dashboard.Page.GetByLabel("Title").FillAsync("Week 2");
        await dashboard.Page.GetByLabel("Or paste a transcript").FillAsync(
            "Photosynthesis turns light into sugar.\n\nChloroplasts hold the chlorophyll that captures the light.");
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Add session" }).ClickAsync();
        await dashboard.Page.WaitForURLAsync(new Regex("added="));
        await dashboard.Page.EvaluateAsync("() => window.__sameDocument = true");

        var row = dashboard.Page.Locator("#session-rows tr", new() { HasText = "Week 2" });
        await Assertions.Expect(row.Locator(".badge")).ToHaveAttributeAsync("data-badge", "Ready", new() { Timeout = 30_000 });
        Assert.True(await dashboard.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded");
        Assert.Equal(1, await server.Database.CountAsync("sessions"));
    }

    [Fact]
    public async Task While_the_live_stream_is_down_the_page_polls_and_the_badge_still_moves_within_2_s()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var session = await AddSessionAsync(server, "Week 3");
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        // A proxy that does not pass event streams: every attempt at the stream fails.
        await dashboard.Page.RouteAsync($"**/tutor/courses/{Course}/live*", route => route.AbortAsync());
        var polls = 0;
        dashboard.Page.Request += (_, request) => { if (request.Url.Contains("/rows", StringComparison.Ordinal)) Interlocked.Increment(ref polls); };
        await dashboard.Page.GotoAsync($"/tutor/courses/{Course}");
        await AssertBadgeAsync(dashboard, session, "Queued", "info");
        await Eventually.WaitAsync(() => Task.FromResult(Volatile.Read(ref polls)), n => n > 0, TimeSpan.FromSeconds(30), "the page to poll");

        await ClaimAsync(server, SessionJobTypes.Transcription);
        await AssertBadgeAsync(dashboard, session, "Transcribing", "progress");
        Assert.Equal(0, await dashboard.Page.EvaluateAsync<int>("() => window.__sse.messages"));
        await dashboard.AssertNoCspViolationsAsync("tutor page polling");
    }

    [Fact]
    public async Task A_viewer_is_not_offered_the_form_and_a_forged_post_with_a_valid_token_is_refused_and_stores_nothing()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        await AddSessionAsync(server, "Week 1");
        var (_, key, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"a tutor's assistant","role":"viewer"}""");
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync(key!["key"]!.GetValue<string>());
        await dashboard.Page.GotoAsync($"/tutor/courses/{Course}");
        Assert.Equal(1, await dashboard.Page.Locator("#session-rows tr").CountAsync());
        Assert.Equal(0, await dashboard.Page.GetByText("Add a session").CountAsync());
        Assert.Equal(0, await dashboard.Page.Locator("form[enctype='multipart/form-data']").CountAsync());

        var field = await dashboard.Page.Locator("form.signout input[type=hidden]").GetAttributeAsync("name");
        var token = await dashboard.Page.Locator("form.signout input[type=hidden]").GetAttributeAsync("value");
        var uploads = Directory.Exists(Path.Combine(server.DataDirectory, "uploads")) ? Directory.GetFileSystemEntries(Path.Combine(server.DataDirectory, "uploads")).Length : 0;
        var forged = await dashboard.Page.APIRequest.PostAsync($"/tutor/courses/{Course}/sessions", new()
        {
            Multipart = dashboard.Context.APIRequest.CreateFormData().Set(field!, token!).Set("title", "Forged").Set("transcript", "Not from a submitter."),
        });
        Assert.Equal((int)HttpStatusCode.Forbidden, forged.Status);
        Assert.Equal(1, await server.Database.CountAsync("sessions"));
        Assert.Equal(1, await server.Database.CountAsync("jobs"));
        Assert.Equal(uploads, Directory.GetFileSystemEntries(Path.Combine(server.DataDirectory, "uploads")).Length);
    }

    [Fact]
    public async Task A_submitters_form_without_a_source_or_with_two_says_so_and_a_post_without_the_token_changes_nothing()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        await using var dashboard = await BrowserSession.OpenAsync(browser, server);
        await dashboard.SignInAsync();
        await dashboard.Page.GotoAsync($"/tutor/courses/{Course}");
        await dashboard.Page.GetByText("Add a session").ClickAsync();
        await dashboard.Page.GetByLabel("Title").FillAsync("Week 4");
        var response = await dashboard.Page.RunAndWaitForResponseAsync(
            () => dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Add session" }).ClickAsync(), r => r.Url.EndsWith("/sessions", StringComparison.Ordinal));
        Assert.Equal((int)HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("Choose a captions or audio file, or paste a transcript.", await dashboard.Page.Locator("#add-errors").InnerTextAsync());
        Assert.Equal("Week 4", await dashboard.Page.GetByLabel("Title").InputValueAsync());

        var captions = Path.Combine(server.DataDirectory, "both.vtt");
        await File.WriteAllTextAsync(captions, Vtt);
        await dashboard.Page.GetByLabel("Captions or audio").SetInputFilesAsync(captions);
        await dashboard.Page.GetByLabel("Or paste a transcript").FillAsync("And a transcript too.");
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Add session" }).ClickAsync();
        Assert.Contains("Give a file or a transcript, not both.", await dashboard.Page.Locator("#add-errors").InnerTextAsync());
        await dashboard.AssertAccessibleAsync("tutor page with form errors");

        var tokenless = await dashboard.Page.APIRequest.PostAsync($"/tutor/courses/{Course}/sessions", new()
        {
            Multipart = dashboard.Context.APIRequest.CreateFormData().Set("title", "No token").Set("transcript", "Hello."),
        });
        Assert.Equal((int)HttpStatusCode.BadRequest, tokenless.Status);
        Assert.Equal(0, await server.Database.CountAsync("sessions"));
        Assert.Equal(0, await server.Database.CountAsync("jobs"));
    }

    /// <summary>A session with a pasted transcript, through the API the seed's clients use.</summary>
    private static async Task<Guid> AddSessionAsync(TestServer server, string title)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(Course), "course_id" }, { new StringContent(title), "title" }, { new StringContent("Cells are the unit of life."), "transcript" },
        };
        var response = await server.Client.PostAsync("/ingest/session", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>();
    }

    private static async Task<Job> ClaimAsync(TestServer server, string type)
    {
        var queue = server.Services.GetRequiredService<IJobQueue>();
        var claimed = Assert.Single(await queue.ClaimAsync(JobStates.Owner, 1, TimeSpan.FromMinutes(5), CancellationToken.None));
        Assert.Equal(type, claimed.Type);
        return claimed;
    }

    /// <summary>Runs the app's handler of the job's type on it and completes it as the worker's executor does.</summary>
    private static async Task<(long Processed, long Failed, long? Total)> RunAndCompleteAsync(TestServer server, Job job)
    {
        var handler = server.Services.GetRequiredService<JobHandlerRegistry>().Find(job.Type)!;
        var counters = new Counters();
        var context = new JobContext(job, counters, NullLogger.Instance);
        await handler.HandleAsync(context, CancellationToken.None);
        var completion = new Completion(job.Id, JobOperation.Succeed, TransitionInput.None, Result: context.Output.Result,
            FollowUps: context.Output.FollowUps.Count > 0 ? context.Output.FollowUps : null) { Attempt = job.Attempt };
        Assert.Equal(1, await server.Services.GetRequiredService<IJobQueue>().CompleteAsync(JobStates.Owner, [completion with { Progress = new ProgressUpdate(job.Id, counters.Last.Processed, counters.Last.Failed, counters.Last.Total) }], CancellationToken.None));
        return counters.Last;
    }

    private static ILocator Row(BrowserSession dashboard, Guid session) => dashboard.Page.Locator($"#session-{session}");

    private static async Task AssertBadgeAsync(BrowserSession dashboard, Guid session, string label, string style)
    {
        var badge = Row(dashboard, session).Locator(".badge");
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-badge", label, new() { Timeout = (float)Live.TotalMilliseconds });
        await Assertions.Expect(badge).ToHaveClassAsync(new Regex($"badge-{style}"));
        Assert.Equal(label, (await badge.InnerTextAsync()).Trim()[1..].Trim());
    }

    /// <summary>Keeps the handler's last counters, as the worker's reporter does until it flushes them.</summary>
    private sealed class Counters : IProgressReporter
    {
        public (long Processed, long Failed, long? Total) Last { get; private set; }

        public void Report(long recordsProcessed, long recordsFailed = 0, long? recordsTotal = null) => Last = (recordsProcessed, recordsFailed, recordsTotal);
    }
}
