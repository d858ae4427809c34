using System.Text;
using Conveyor.Auth;
using Conveyor.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conveyor.Tests.Operations;

/// <summary>A CSV upload's trace, from the API node's request span to the worker node's job span, across two real processes.</summary>
public sealed class TraceProcessTests(ITestOutputHelper output)
{
    /// <summary>(trace id, span name) of each span a process printed with the console exporter.</summary>
    private static List<(string TraceId, string Name)> Spans(IEnumerable<string> lines)
    {
        var spans = new List<(string, string)>();
        string? trace = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("Activity.TraceId:", StringComparison.Ordinal)) trace = line["Activity.TraceId:".Length..].Trim();
            else if (line.StartsWith("Activity.DisplayName:", StringComparison.Ordinal) && trace is not null)
                spans.Add((trace, line["Activity.DisplayName:".Length..].Trim()));
        }
        return spans;
    }

    [Fact]
    public async Task A_csv_jobs_trace_has_the_api_nodes_request_span_and_the_worker_nodes_job_span_under_one_trace_id()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var db = new TestDatabase(Provider.Postgres, connectionString);
        var data = Directory.CreateTempSubdirectory("conveyor-shared-").FullName;
        var traces = new Dictionary<string, string> { ["Conveyor:Telemetry:ConsoleTraces"] = "true", ["Conveyor:DataDirectory"] = data };
        await using var api = ServerProcess.Start(connectionString, data, ApiKeyGenerator.NewKey(), traces);
        using var client = await api.ClientAsync();
        await using var worker = WorkerProcess.Start(connectionString, 2, traces);

        var csv = Encoding.UTF8.GetBytes("name,n\n" + string.Concat(Enumerable.Range(1, 50).Select(i => $"row {i},{i}\n")));
        var (_, body, text) = await client.UploadAsync([("people.csv", csv)], new Dictionary<string, string> { ["dataset"] = "traced" });
        var id = Guid.Parse(body?["ids"]?[0]?.GetValue<string>() ?? throw new InvalidOperationException(text));
        var job = await client.FinishedAsync(id);
        Assert.Equal("succeeded", job.Status());

        var stored = await db.ScalarAsync<string>("SELECT trace_parent FROM jobs WHERE id = @id", id);
        var traceId = stored.Split('-')[1];
        var request = await Eventually.WaitAsync(() => Task.FromResult(Spans(api.Lines)), s => s.Any(x => x.TraceId == traceId),
            TimeSpan.FromSeconds(30), "the API node to print the upload's span");
        var run = await Eventually.WaitAsync(() => Task.FromResult(Spans(worker.Lines)), s => s.Any(x => x.TraceId == traceId),
            TimeSpan.FromSeconds(30), "the worker to print the job's span");
        output.WriteLine($"trace {traceId}: api {string.Join(", ", request.Where(s => s.TraceId == traceId).Select(s => s.Name))}; " +
            $"worker {string.Join(", ", run.Where(s => s.TraceId == traceId).Select(s => s.Name))}");

        Assert.Contains(request, s => s.TraceId == traceId && s.Name == "POST /api/v1/upload");
        Assert.Contains(run, s => s.TraceId == traceId && s.Name == "job csv");
        Assert.DoesNotContain(run, s => s.Name == "POST /api/v1/upload");
        await worker.StopAsync(TimeSpan.FromSeconds(60));
    }
}
