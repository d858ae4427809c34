using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using Conveyor.Core;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.DashboardApi;

public sealed class SqliteJobStreamApiTests() : JobStreamApi(Provider.Sqlite);

public sealed class PostgresJobStreamApiTests() : JobStreamApi(Provider.Postgres)
{
    [Fact]
    public async Task A_stream_on_one_node_follows_changes_made_on_another()
    {
        await using var other = await TestServer.StartAsync(Provider.Postgres, new Dictionary<string, string>
        {
            ["ConnectionStrings:Conveyor"] = Server.Database.ConnectionString,
            ["Conveyor:Auth:BootstrapAdminKey"] = Server.AdminKey,
            ["Conveyor:Streams:PollInterval"] = "00:00:00.2",
        });
        var id = (await Server.Client.CreateJobAsync(new { type = "noop" })).Id();
        await using var stream = await JobEventStream.OpenAsync(other.Client, id);
        Assert.Equal("queued", (await stream.NextAsync())["status"]!.GetValue<string>());

        // The change is made by the first node; the second node's stream sees it through the store.
        await Server.Services.GetRequiredService<IJobAdmin>().ApplyAsync(id, JobOperation.Cancel, AuditContext.System("job.cancel"), Ct);

        Assert.Equal("cancelled", (await stream.NextAsync())["status"]!.GetValue<string>());
        Assert.True(await stream.EndedAsync());
    }
}

/// <summary><c>GET /api/v1/jobs/{id}/stream</c> on both stores: the state now, each change, and the end at a final state.</summary>
public abstract class JobStreamApi(Provider provider) : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    protected TestServer Server { get; private set; } = null!;

    protected CancellationToken Ct => _timeout.Token;

    public async Task InitializeAsync() =>
        Server = await TestServer.StartAsync(provider, new Dictionary<string, string> { ["Conveyor:Streams:PollInterval"] = "00:00:00.2" });

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _timeout.Dispose();
    }

    [Fact]
    public async Task A_stream_sends_the_job_now_then_its_start_progress_and_end_and_closes()
    {
        var id = (await Server.Client.CreateJobAsync(new { type = "noop", priority = 100 })).Id();
        var queue = Server.Services.GetRequiredService<IJobQueue>();
        await using var stream = await JobEventStream.OpenAsync(Server.Client, id);

        var first = await stream.NextAsync();
        Assert.Equal(("queued", 0L), (first["status"]!.GetValue<string>(), first["records_processed"]!.GetValue<long>()));
        Assert.Equal(id, Guid.Parse(first["id"]!.GetValue<string>()));

        Assert.Equal(id, Assert.Single(await queue.ClaimAsync(JobStates.Owner, 1, TimeSpan.FromMinutes(5), Ct)).Id);
        var running = await stream.NextAsync();
        Assert.Equal(("running", 1), (running["status"]!.GetValue<string>(), running["attempt"]!.GetValue<int>()));

        await queue.FlushProgressAsync([new ProgressUpdate(id, 250, 3, 1000)], Ct);
        var progress = await stream.NextAsync();
        Assert.Equal((250L, 3L, 1000L), (progress["records_processed"]!.GetValue<long>(), progress["records_failed"]!.GetValue<long>(),
            progress["records_total"]!.GetValue<long>()));

        await queue.CompleteAsync(JobStates.Owner, [new Completion(id, JobOperation.Succeed, TransitionInput.None)], Ct);
        var done = await stream.NextAsync();
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.NotNull(done["completed_at"]!.GetValue<string>());
        Assert.True(await stream.EndedAsync());
    }

    [Fact]
    public async Task A_stream_of_a_finished_job_sends_its_final_state_once_and_ends()
    {
        var id = (await Server.Client.CreateJobAsync(new { type = "noop" })).Id();
        await Server.Services.GetRequiredService<IJobAdmin>().ApplyAsync(id, JobOperation.Cancel, AuditContext.System("job.cancel"), Ct);

        await using var stream = await JobEventStream.OpenAsync(Server.Client, id);

        Assert.Equal("cancelled", (await stream.NextAsync())["status"]!.GetValue<string>());
        Assert.True(await stream.EndedAsync());
    }

    [Fact]
    public async Task Many_streams_of_one_node_share_one_poller_that_stops_watching_when_they_close()
    {
        var feed = Server.Services.GetRequiredService<Conveyor.Application.JobFeed>();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++) ids.Add((await Server.Client.CreateJobAsync(new { type = "noop" })).Id());
        var streams = new List<JobEventStream>();
        foreach (var id in ids.Concat(ids)) streams.Add(await JobEventStream.OpenAsync(Server.Client, id));
        foreach (var s in streams) Assert.Equal("queued", (await s.NextAsync())["status"]!.GetValue<string>());
        Assert.Equal(5, feed.WatchedJobs);

        var admin = Server.Services.GetRequiredService<IJobAdmin>();
        foreach (var id in ids) await admin.ApplyAsync(id, JobOperation.Cancel, AuditContext.System("job.cancel"), Ct);
        foreach (var s in streams)
        {
            Assert.Equal("cancelled", (await s.NextAsync())["status"]!.GetValue<string>());
            Assert.True(await s.EndedAsync());
            await s.DisposeAsync();
        }
        await Eventually.WaitAsync(() => Task.FromResult(feed.WatchedJobs), n => n == 0, TimeSpan.FromSeconds(10), "the feed to forget the jobs");
    }

    [Fact]
    public async Task Streaming_an_unknown_job_is_a_404_a_bad_id_a_400_no_key_a_401_and_no_stream_asked_for_a_406()
    {
        var stream = new Dictionary<string, string> { ["Accept"] = "text/event-stream" };
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{Guid.NewGuid()}/stream", headers: stream)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Server.Client.SendAsync(HttpMethod.Get, "/api/v1/jobs/nope/stream", headers: stream)).Status);
        var id = (await Server.Client.CreateJobAsync(new { type = "noop" })).Id();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Anonymous.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/stream", headers: stream)).Status);

        // A plain GET of a queued job answers at once with a problem instead of holding the connection until the job ends.
        var (status, problem, text) = await Server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/stream");
        Assert.True(status == HttpStatusCode.NotAcceptable, text);
        Assert.Contains("text/event-stream", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

/// <summary>Reads a job stream's events as a browser would, with a deadline on each.</summary>
public sealed class JobEventStream : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    private JobEventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _events = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
    }

    public static async Task<JobEventStream> OpenAsync(HttpClient client, Guid id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{id}/stream");
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new JobEventStream(response, await response.Content.ReadAsStreamAsync());
    }

    public async Task<JsonNode> NextAsync()
    {
        Assert.True(await _events.MoveNextAsync().AsTask().WaitAsync(Deadline), "the stream ended before the next event");
        Assert.Equal("job", _events.Current.EventType);
        return JsonNode.Parse(_events.Current.Data)!;
    }

    /// <summary>True when the server ends the stream (no further event) within the deadline.</summary>
    public async Task<bool> EndedAsync() => !await _events.MoveNextAsync().AsTask().WaitAsync(Deadline);

    public async ValueTask DisposeAsync()
    {
        _response.Dispose();
        try
        {
            await _events.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is closed under the reader on purpose.
        }
    }
}
