using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Infrastructure;

/// <summary>The states a test can put a job in, and how: through the server's own store, as a worker would.</summary>
public enum JobSetup
{
    Queued,
    Running,
    RunningCancelRequested,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>Drives jobs into a <see cref="JobSetup"/> with the real store (claim, complete, cancel).</summary>
public static class JobStates
{
    public const string Owner = "test-worker";
    private const int ClaimPriority = 1000;

    public static async Task<Guid> ArrangeAsync(TestServer server, JobSetup setup)
    {
        // The services the app itself uses, so that every change also reaches the status cache.
        var admin = server.Services.GetRequiredService<IJobAdmin>();
        var queue = server.Services.GetRequiredService<IJobQueue>();
        var ct = CancellationToken.None;
        if (setup == JobSetup.Queued) return (await server.Client.CreateJobAsync(new { type = "noop" })).Id();
        if (setup == JobSetup.Cancelled)
        {
            var queued = (await server.Client.CreateJobAsync(new { type = "noop" })).Id();
            await admin.ApplyAsync(queued, JobOperation.Cancel, AuditContext.System("job.cancel"), ct);
            return queued;
        }

        // The job being arranged has the top priority, so a claim takes it first, after any top-priority job an
        // earlier test put back in the queue; those leftovers are finished on the way.
        var id = (await server.Client.CreateJobAsync(new { type = "noop", priority = ClaimPriority, max_attempts = 1 })).Id();
        while (true)
        {
            var claimed = Assert.Single(await queue.ClaimAsync(Owner, 1, TimeSpan.FromMinutes(10), ct));
            if (claimed.Id == id) break;
            Assert.Equal(ClaimPriority, claimed.Priority);
            await queue.CompleteAsync(Owner, [new Completion(claimed.Id, JobOperation.Succeed, TransitionInput.None)], ct);
        }
        switch (setup)
        {
            case JobSetup.RunningCancelRequested:
                await admin.ApplyAsync(id, JobOperation.Cancel, AuditContext.System("job.cancel"), ct);
                break;
            case JobSetup.Succeeded:
                await queue.CompleteAsync(Owner, [new Completion(id, JobOperation.Succeed, TransitionInput.None)], ct);
                break;
            case JobSetup.Failed:
                await queue.CompleteAsync(Owner, [new Completion(id, JobOperation.Fail, new TransitionInput { Error = "boom", ErrorRef = "ref1" })], ct);
                break;
        }
        return id;
    }
}
