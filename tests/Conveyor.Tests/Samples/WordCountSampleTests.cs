using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Conveyor.Auth;
using Conveyor.Client;
using Conveyor.Tests.Infrastructure;
using ClientJobStatus = Conveyor.Client.JobStatus;

namespace Conveyor.Tests.Samples;

/// <summary>samples/Conveyor.Sample.WordCount, run as its own process: an app of its own hosting Conveyor with a job type it adds.</summary>
public sealed partial class WordCountSampleTests
{
    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();

    [Fact]
    public async Task The_sample_app_runs_its_own_wordcount_jobs_beside_the_built_in_types_and_keeps_its_own_endpoint()
    {
        var directory = Directory.CreateTempSubdirectory("conveyor-sample-").FullName;
        var key = ApiKeyGenerator.NewKey();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Conveyor.Sample.WordCount.dll"));
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["Conveyor__Auth__BootstrapAdminKey"] = key;
        info.Environment["Conveyor__Workers__Count"] = "1";
        await using var sample = RunningProcess.Start(info);
        var output = await sample.WaitForOutputAsync(o => Listening().IsMatch(o), TimeSpan.FromSeconds(60), "the sample to listen");
        var address = new Uri(Listening().Match(output).Groups[1].Value);

        using var anonymous = new HttpClient { BaseAddress = address };
        Assert.Equal("Hello from an app that hosts Conveyor.", await anonymous.GetStringAsync("/hello"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/jobs")).StatusCode);

        using var http = ConveyorClient.Create(address, key).Http;
        var conveyor = new ConveyorClient(http);
        var counted = await conveyor.CreateJobAsync(new NewJob { Type = "wordcount", Metadata = JsonDocument.Parse("""{"text": "the quick brown fox jumps"}""").RootElement });
        var done = await conveyor.WaitForJobAsync(counted.Id, TimeSpan.FromMilliseconds(20));
        Assert.Equal(ClientJobStatus.Succeeded, done.Status);
        Assert.Equal(5, done.RecordsProcessed);
        Assert.Equal(5, done.RecordsTotal);

        var bad = await conveyor.CreateJobAsync(new NewJob { Type = "wordcount", MaxAttempts = 3 });
        var failed = await conveyor.WaitForJobAsync(bad.Id, TimeSpan.FromMilliseconds(20));
        Assert.Equal(ClientJobStatus.Failed, failed.Status);
        Assert.Equal(1, failed.Attempt);
        Assert.Equal("metadata.text must be a string.", failed.Error);

        // The built-in types are there too, and an unknown one is refused at once.
        Assert.Equal(ClientJobStatus.Succeeded, (await conveyor.WaitForJobAsync((await conveyor.CreateJobAsync(new NewJob { Type = "noop" })).Id, TimeSpan.FromMilliseconds(20))).Status);
        var unknown = await Assert.ThrowsAsync<ConveyorApiException>(() => conveyor.CreateJobAsync(new NewJob { Type = "resize" }));
        Assert.Equal(["No handler is registered for type 'resize'."], unknown.Errors["type"]);
        Assert.True(File.Exists(Path.Combine(directory, "data", "conveyor.db")));
    }

    [Fact]
    public void A_job_type_that_could_never_be_submitted_is_refused_when_it_is_registered()
    {
        var builder = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        var conveyor = new Conveyor.Hosting.ConveyorBuilder(builder);
        var refused = Assert.Throws<ArgumentException>(() => conveyor.AddJobHandler<Conveyor.Sample.WordCount.WordCountHandler>("Word Count"));
        Assert.StartsWith("The type must be a lowercase word of at most 64 characters", refused.Message);
    }
}
