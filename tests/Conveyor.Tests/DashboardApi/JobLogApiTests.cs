using System.Net;
using System.Text.Json.Nodes;
using Conveyor.Core;
using Conveyor.Tests.Infrastructure;
using Conveyor.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Tests.DashboardApi;

public sealed class SqliteJobLogApiTests() : JobLogApi(Provider.Sqlite);

public sealed class PostgresJobLogApiTests() : JobLogApi(Provider.Postgres);

/// <summary>
/// <c>GET /api/v1/jobs/{id}/log</c> on both stores: what a handler logs through its logger for its job is stored with the
/// job, bounded (the oldest dropped first), and read back in order.
/// </summary>
public abstract class JobLogApi(Provider provider) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(provider, new Dictionary<string, string>
    {
        ["Conveyor:Workers:Count"] = "2",
        ["Conveyor:Workers:LogLinesPerJob"] = "50",
        ["Conveyor:Workers:PollInterval"] = "00:00:00.5",
    }, b => b.Services.AddSingleton<IJobHandler, ChattyHandler>());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonArray> LogAsync(Guid id, string query = "")
    {
        var (status, body, text) = await _server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/log{query}");
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal(id, Guid.Parse(body!["job_id"]!.GetValue<string>()));
        return body["items"]!.AsArray();
    }

    [Fact]
    public async Task A_handlers_lines_are_stored_with_its_job_newest_50_kept_oldest_dropped_first()
    {
        var id = (await _server.Client.CreateJobAsync(new { type = "chatty", metadata = new { lines = 120 } })).Id();
        Assert.Equal("succeeded", (await _server.Client.FinishedAsync(id)).Status());

        var lines = await Eventually.WaitAsync(() => LogAsync(id), l => l.Count == 50, TimeSpan.FromSeconds(20), "50 lines in the job log");

        // 120 steps, a warning and an error were logged (Debug lines are not kept): the newest 50 remain, numbered on.
        Assert.Equal(Enumerable.Range(73, 50).Select(i => (long)i), lines.Select(l => l!["seq"]!.GetValue<long>()));
        Assert.Equal("step 73 of 120", lines[0]!["message"]!.GetValue<string>());
        Assert.Equal("step 120 of 120", lines[47]!["message"]!.GetValue<string>());
        Assert.Equal(("warning", "almost done"), (lines[48]!["level"]!.GetValue<string>(), lines[48]!["message"]!.GetValue<string>()));
        var error = lines[49]!;
        Assert.Equal("error", error["level"]!.GetValue<string>());
        Assert.StartsWith("could not tidy up (InvalidOperationException: ", error["message"]!.GetValue<string>());
        Assert.DoesNotContain("/var/secret", error["message"]!.GetValue<string>());
        Assert.All(lines, l => Assert.Equal(1, l!["attempt"]!.GetValue<int>()));
        Assert.Equal(50, await _server.Database.CountAsync("job_log", "job_id = @id", id));

        var tail = await LogAsync(id, "?after=120");
        Assert.Equal([121L, 122L], tail.Select(l => l!["seq"]!.GetValue<long>()));
    }

    [Fact]
    public async Task An_upload_logs_what_it_loaded_in_its_job_log()
    {
        var (_, body, text) = await _server.Client.UploadAsync([("people.csv", "name,age\nada,36\nbob,x\n"u8.ToArray())]);
        var id = body!["items"]![0]!.Id();
        await _server.Client.FinishedAsync(id);

        var lines = await Eventually.WaitAsync(() => LogAsync(id), l => l.Count >= 2, TimeSpan.FromSeconds(20), "the load's lines: " + text);

        Assert.Equal("Loading csv (utf-8) into dataset default", lines[0]!["message"]!.GetValue<string>());
        Assert.Equal("Loaded 2 rows", lines[^1]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_job_without_lines_has_an_empty_log_and_an_unknown_job_is_a_404()
    {
        var id = (await _server.Client.CreateJobAsync(new { type = "noop", scheduled_at = DateTimeOffset.UtcNow.AddHours(1) })).Id();

        Assert.Empty(await LogAsync(id));
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{Guid.NewGuid()}/log")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/log?after=-1")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{id}/log?tail=5")).Status);
    }

    /// <summary>Logs <c>metadata.lines</c> steps, a debug line, a warning and an error with an exception, then succeeds.</summary>
    private sealed class ChattyHandler : IJobHandler
    {
        public string Type => "chatty";

        public Task HandleAsync(JobContext context, CancellationToken ct)
        {
            var lines = JobMetadata.TryGetDouble(context.Job.Metadata, "lines", out var n) ? (int)n : 10;
            for (var i = 1; i <= lines; i++)
            {
                context.Logger.LogInformation("step {Step} of {Steps}", i, lines);
                context.Logger.LogDebug("detail of step {Step}", i);
            }
            context.Logger.LogWarning("almost done");
            context.Logger.LogError(new InvalidOperationException("the disk under /var/secret/data is full"), "could not tidy up");
            return Task.CompletedTask;
        }
    }
}
