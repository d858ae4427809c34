using System.Net;
using System.Text.Json;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Operations;

public sealed class SqliteTypeControlApiTests() : TypeControlApiContract(Provider.Sqlite);

public sealed class PostgresTypeControlApiTests() : TypeControlApiContract(Provider.Postgres);

/// <summary><c>/api/v1/types</c> on a server with workers: pause and resume a type, as an operator, audited.</summary>
public abstract class TypeControlApiContract(Provider provider)
{
    private static async Task<string> KeyAsync(TestServer server, string role)
    {
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", JsonSerializer.Serialize(new { name = "t " + role, role }));
        Assert.True(status == HttpStatusCode.Created, text);
        return body!["key"]!.GetValue<string>();
    }

    [Fact]
    public async Task An_operator_pauses_a_type_whose_jobs_then_wait_while_others_run_and_resume_lets_them_run()
    {
        await using var server = await TestServer.StartAsync(provider, new Dictionary<string, string>
        {
            ["Conveyor:Workers:Count"] = "2",
            ["Conveyor:Workers:PollInterval"] = "00:00:00.200",
            ["Conveyor:Types:sleep:Concurrency"] = "3",
            ["Conveyor:Types:sleep:RatePerMinute"] = "100",
        });
        var viewer = server.NewClient(await KeyAsync(server, "viewer"));
        var op = server.NewClient(await KeyAsync(server, "operator"));

        var (refused, _, _) = await viewer.SendAsync(HttpMethod.Post, "/api/v1/types/sleep/pause");
        Assert.Equal(HttpStatusCode.Forbidden, refused);

        var (status, paused, text) = await op.SendAsync(HttpMethod.Post, "/api/v1/types/sleep/pause");
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.True(paused!["paused"]!.GetValue<bool>());
        Assert.StartsWith("key:", paused["paused_by"]!.GetValue<string>());
        Assert.Equal(3, paused["concurrency"]!.GetValue<int>());
        Assert.Equal(100, paused["rate_per_minute"]!.GetValue<int>());

        var waiting = (await server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 0 } })).Id();
        var after = (await server.Client.CreateJobAsync(new { type = "noop" })).Id();
        await Eventually.WaitAsync(() => server.Database.StatusAsync(after), s => s == "succeeded", TimeSpan.FromSeconds(30), "a later noop to run");
        Assert.Equal("queued", await server.Database.StatusAsync(waiting));
        Assert.Equal(0, await server.Database.CountAsync("job_events", "job_id = @id AND type = 'started'", waiting));

        var (_, list, _) = await viewer.SendAsync(HttpMethod.Get, "/api/v1/types");
        var sleep = list!["items"]!.AsArray().Single(t => t!["type"]!.GetValue<string>() == "sleep")!;
        Assert.True(sleep["paused"]!.GetValue<bool>());
        Assert.False(list["items"]!.AsArray().Single(t => t!["type"]!.GetValue<string>() == "noop")!["paused"]!.GetValue<bool>());

        var (resumed, body, _) = await op.SendAsync(HttpMethod.Post, "/api/v1/types/sleep/resume");
        Assert.Equal(HttpStatusCode.OK, resumed);
        Assert.False(body!["paused"]!.GetValue<bool>());
        await Eventually.WaitAsync(() => server.Database.StatusAsync(waiting), s => s == "succeeded", TimeSpan.FromSeconds(30), "the sleep job to run once resumed");

        Assert.Equal(1, await server.Database.CountAsync("audit_events", "action = 'type.pause' AND target = 'sleep' AND outcome = 'applied'"));
        Assert.Equal(1, await server.Database.CountAsync("audit_events", "action = 'type.resume' AND target = 'sleep' AND outcome = 'applied'"));
    }

    [Fact]
    public async Task Pausing_an_unknown_type_is_a_404_and_a_malformed_one_a_400_and_neither_stores_a_pause()
    {
        await using var server = await TestServer.StartAsync(provider);
        var (missing, problem, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/types/nosuchtype/pause");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal(404, problem!["status"]!.GetValue<int>());
        var (bad, _, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/types/Not%20A%20Type/pause");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal(0, await server.Database.CountAsync("type_pauses"));
    }
}
