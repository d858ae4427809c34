using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests;

public sealed class SqliteGracefulShutdownTests() : GracefulShutdown(Provider.Sqlite);

public sealed class PostgresGracefulShutdownTests() : GracefulShutdown(Provider.Postgres);

/// <summary>Stopping a server lets short jobs finish, hands long ones back, and leaves nothing running without a lease.</summary>
public abstract class GracefulShutdown(Provider provider)
{
    [Fact]
    public async Task Shutdown_finishes_what_fits_in_the_grace_period_and_hands_back_the_rest()
    {
        var server = await TestServer.StartAsync(provider, WorkerBehaviour.WorkerSettings());
        var database = server.Database;
        Guid shortJob, longJob;
        try
        {
            longJob = (await server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 60 } })).Id();
            shortJob = (await server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 0.5 } })).Id();
            // Both handlers have started (the sleep handler reports its total first), not merely been claimed:
            // a claimed job that never started is handed back, which is right but not what this test is about.
            await Eventually.WaitAsync(() => database.CountAsync("jobs", "status = 'running' AND records_total IS NOT NULL"),
                n => n == 2, TimeSpan.FromSeconds(20), "both handlers to start");
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.Equal(0, await database.CountAsync("jobs", "status = 'running'"));
        Assert.Equal("succeeded", await database.StatusAsync(shortJob));
        Assert.Equal("queued", await database.StatusAsync(longJob));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT attempt FROM jobs WHERE id = @id", longJob));
        Assert.Equal(1, await database.CountAsync("job_events", "job_id = @id AND type = 'released'", longJob));
        Assert.Equal(0, await database.CountAsync("jobs", "lease_owner IS NOT NULL AND id = @id", longJob));
    }
}
