using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Operations;

[Collection(MetricsCollection.Name)]
public sealed class SqliteMetricsTests() : MetricsContract(Provider.Sqlite);

[Collection(MetricsCollection.Name)]
public sealed class PostgresMetricsTests() : MetricsContract(Provider.Postgres);

/// <summary>
/// Run alone: OpenTelemetry's SDK listens to every meter named Conveyor in the process, so a server of another test
/// running at the same time would add its store's gauges to this one's /metrics (one host per process in production).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}

/// <summary><c>/metrics</c> on a server with workers: Prometheus text whose job counts are the store's.</summary>
public abstract partial class MetricsContract(Provider provider)
{
    /// <summary>One sample line of the text format: a metric name, optional labels, a value, an optional timestamp.</summary>
    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*,?)?\})? (?<value>[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))(?: -?[0-9]+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex("""^# (?:HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (?:counter|gauge|histogram|summary|untyped))$|^# EOF$""")]
    private static partial Regex Comment();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\,?""")]
    private static partial Regex Label();

    private sealed record Metric(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>Parses the whole body; any line that is neither a comment, a sample nor blank fails the test.</summary>
    private static List<Metric> Parse(string text)
    {
        var metrics = new List<Metric>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || Comment().IsMatch(line)) continue;
            var sample = Sample().Match(line);
            Assert.True(sample.Success, $"not Prometheus text: {line}");
            var labels = Label().Matches(sample.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            metrics.Add(new Metric(sample.Groups["name"].Value, labels, double.Parse(sample.Groups["value"].Value.Replace("Inf", "Infinity"), CultureInfo.InvariantCulture)));
        }
        return metrics;
    }

    [Fact]
    public async Task Metrics_parse_as_Prometheus_text_and_their_job_counts_are_the_stores()
    {
        await using var server = await TestServer.StartAsync(provider, new Dictionary<string, string> { ["Conveyor:Workers:Count"] = "2" });
        var done = new List<Guid>();
        for (var i = 0; i < 4; i++) done.Add((await server.Client.CreateJobAsync(new { type = "noop" })).Id());
        for (var i = 0; i < 2; i++) done.Add((await server.Client.CreateJobAsync(new { type = "fail", max_attempts = 1, metadata = new { message = "no" } })).Id());
        for (var i = 0; i < 3; i++) await server.Client.CreateJobAsync(new { type = "sleep", scheduled_at = DateTimeOffset.UtcNow.AddHours(1) });
        var late = (await server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 600 }, scheduled_at = DateTimeOffset.UtcNow.AddHours(2) })).Id();
        foreach (var id in done) await server.Client.FinishedAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Get, $"/api/job/{done[0]}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Get, $"/api/job/{done[0]}")).Status);

        var response = await server.Anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        var metrics = Parse(await response.Content.ReadAsStringAsync());

        var jobs = metrics.Where(m => m.Name == "conveyor_jobs").ToList();
        foreach (var (type, status) in new[] { ("noop", "succeeded"), ("fail", "failed"), ("sleep", "queued") })
        {
            var stored = await server.Database.CountAsync("jobs", $"type = '{type}' AND status = '{status}'");
            Assert.Equal(stored, jobs.Single(m => m.Labels["job_type"] == type && m.Labels["status"] == status).Value);
        }
        Assert.Equal(await server.Database.CountAsync("jobs"), jobs.Sum(m => m.Value));
        Assert.Equal(0, metrics.Where(m => m.Name == "conveyor_queue_depth").Sum(m => m.Value)); // the sleeps are not due yet
        Assert.Equal(4, metrics.Single(m => m.Name == "conveyor_job_run_duration_seconds_count"
            && m.Labels["job_type"] == "noop" && m.Labels["outcome"] == "succeeded").Value);
        Assert.Equal(2, metrics.Single(m => m.Name == "conveyor_job_run_duration_seconds_count"
            && m.Labels["job_type"] == "fail" && m.Labels["outcome"] == "failed").Value);
        Assert.Equal(6, metrics.Where(m => m.Name == "conveyor_job_attempts_total").Sum(m => m.Value));
        Assert.True(metrics.Single(m => m.Name == "conveyor_claim_duration_seconds_count").Value >= 1);
        // The two reads of seed 002's status (on SQLite the second is a hit; on PostgreSQL without Redis there is no cache).
        Assert.Equal(2, metrics.Where(m => m.Name == "conveyor_cache_requests_total" && m.Labels["view"] == "status").Sum(m => m.Value));
        Assert.Contains(metrics, m => m.Name == "conveyor_cache_requests_total" && m.Labels["view"] == "resource");
        Assert.Contains(metrics, m => m.Name == "http_server_request_duration_seconds_count" && (m.Labels.GetValueOrDefault("http_route") ?? "").StartsWith("/api/v1/jobs", StringComparison.Ordinal));
        Assert.Equal("queued", await server.Database.StatusAsync(late));
    }
}
