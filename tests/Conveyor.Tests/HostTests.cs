using System.Text.Json.Nodes;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Conveyor.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Conveyor.Tests;

/// <summary>The executable as a newcomer meets it: first start, --help, migrate, health and the API docs.</summary>
public sealed partial class HostTests(SqliteServerFixture fixture) : IClassFixture<SqliteServerFixture>
{
    [GeneratedRegex(@"Admin key \(shown once, keep it safe\): (cvk_[A-Za-z0-9]{8}_[A-Za-z0-9]{32})")]
    private static partial Regex AdminKey();

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();

    [Fact]
    public async Task A_first_start_in_an_empty_directory_prints_the_url_and_an_admin_key_once()
    {
        var directory = Directory.CreateTempSubdirectory("conveyor-first-start-").FullName;
        var first = await ServeUntilListeningAsync(directory);
        var second = await ServeUntilListeningAsync(directory);

        var key = AdminKey().Match(first).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(key), first);
        Assert.Matches(Listening(), first);
        Assert.DoesNotMatch(AdminKey(), second);
        Assert.True(File.Exists(Path.Combine(directory, "data", "conveyor.db")), "the store lives in ./data by default");

        // Only the hash is stored; the key itself is nowhere in the database file.
        var bytes = await File.ReadAllBytesAsync(Path.Combine(directory, "data", "conveyor.db"));
        Assert.DoesNotContain(key, System.Text.Encoding.ASCII.GetString(bytes));
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "data", "conveyor.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT role FROM api_keys";
        Assert.Equal("admin", await command.ExecuteScalarAsync());
    }

    private static async Task<string> ServeUntilListeningAsync(string directory)
    {
        var info = ConveyorProcess.StartInfo(directory, "serve");
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        using var process = Process.Start(info)!;
        var lines = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Eventually.WaitAsync(() => Task.FromResult(string.Join('\n', lines)), text => Listening().IsMatch(text),
                TimeSpan.FromSeconds(60), "conveyor serve to print its URL");
            var url = Listening().Match(string.Join('\n', lines)).Groups[1].Value;
            using var client = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url + "/health/ready")).StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return string.Join('\n', lines);
    }

    [Theory]
    [InlineData("--help", "serve")]
    [InlineData("serve --help", "--workers")]
    [InlineData("worker --help", "--workers")]
    [InlineData("migrate --help", "migrations")]
    public async Task Every_command_has_help(string args, string expected)
    {
        var (code, output) = await ConveyorProcess.RunAsync(Path.GetTempPath(), args.Split(' '));
        Assert.Equal(0, code);
        Assert.Contains(expected, output);
    }

    [Fact]
    public async Task Migrate_creates_the_schema_and_is_harmless_to_repeat()
    {
        var directory = Directory.CreateTempSubdirectory("conveyor-migrate-").FullName;
        var first = await ConveyorProcess.RunAsync(directory, "migrate");
        var second = await ConveyorProcess.RunAsync(directory, "migrate");
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "data", "conveyor.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM schema_migrations";
        // One row per embedded migration, however often migrate runs.
        var embedded = Conveyor.Storage.Sqlite.SqliteJobStore.Migrations.Count;
        Assert.True(embedded >= 2);
        Assert.Equal((long)embedded, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_bad_setting_stops_start_up_with_a_message_naming_its_key()
    {
        var directory = Directory.CreateTempSubdirectory("conveyor-bad-setting-").FullName;
        var (code, output) = await ConveyorProcess.RunAsync(directory, "migrate", "--Conveyor:Database:Provider=oracle");
        Assert.NotEqual(0, code);
        Assert.Contains("Conveyor:Database:Provider", output);
    }

    [Fact]
    public async Task A_leader_term_longer_than_the_lease_stops_a_worker_at_start_naming_its_key()
    {
        var directory = Directory.CreateTempSubdirectory("conveyor-bad-leader-").FullName;
        var (code, output) = await ConveyorProcess.RunAsync(directory, "worker", "--workers", "1", "--Conveyor:Workers:LeaderTtl=00:00:40");
        Assert.NotEqual(0, code);
        Assert.Contains("Conveyor:Workers:LeaderTtl plus Conveyor:Workers:LeaderElectInterval must not exceed Conveyor:Workers:LeaseDuration", output);
    }

    [Fact]
    public async Task Health_answers_live_and_ready()
    {
        var (live, liveBody, _) = await fixture.Server.Client.SendAsync(HttpMethod.Get, "/health/live");
        var (ready, readyBody, _) = await fixture.Server.Client.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, live);
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal("healthy", readyBody!["status"]!.GetValue<string>());
        Assert.Equal("healthy", readyBody["checks"]!["store"]!["status"]!.GetValue<string>());
        Assert.Equal("healthy", liveBody!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_jobs_route_with_examples_and_docs_are_served()
    {
        var (status, document, text) = await fixture.Server.Client.SendAsync(HttpMethod.Get, "/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, status);
        var paths = document!["paths"]!.AsObject();
        string[][] routes =
        [
            ["/api/v1/jobs", "post"], ["/api/v1/jobs", "get"], ["/api/v1/jobs/batch", "post"], ["/api/v1/jobs/{id}", "get"],
            ["/api/v1/jobs/{id}", "delete"], ["/api/v1/jobs/{id}/events", "get"], ["/api/v1/jobs/{id}/cancel", "post"],
            ["/api/v1/jobs/{id}/retry", "post"], ["/api/v1/jobs/{id}/requeue", "post"],
        ];
        foreach (var route in routes)
        {
            var operation = paths[route[0]]?[route[1]];
            Assert.True(operation is not null, $"{route[1]} {route[0]} is missing from the document");
            Assert.Contains("\"example\"", operation!.ToJsonString());
        }
        Assert.Contains("records_processed", text);
        // The query parameters each route takes (and only those: StrictRequestFilter refuses the rest).
        static List<string> Query(JsonNode? operation) =>
            operation!["parameters"]!.AsArray().Where(p => p!["in"]!.GetValue<string>() == "query").Select(p => p!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["action", "actor", "cursor", "from", "limit", "target", "to"], Query(paths["/api/v1/audit"]?["get"]).Order());
        Assert.Contains("cursor", Query(paths["/api/v1/jobs"]?["get"]));
        Assert.Equal(["dataset", "priority"], Query(paths["/api/v1/ingest/json"]?["post"]).Order());

        using var docs = await fixture.Server.Client.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("text/html", docs.Content.Headers.ContentType?.ToString());
    }
}
