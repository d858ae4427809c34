using Conveyor.Core;

namespace Conveyor.Storage.Tests;

/// <summary>Per-type ceilings and the pause switch, kept by the claim statement itself (so by every node together).</summary>
public abstract partial class JobStoreContract
{
    private async Task<List<Job>> CreateManyAsync(string type, int count)
    {
        var jobs = new List<Job>();
        for (var i = 0; i < count; i++)
        {
            jobs.Add(await CreateAsync(ANewJob.OfType(type)));
            Clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        return jobs;
    }

    private Task<long> RunningAsync(string type) =>
        Db.ScalarTextAsync($"SELECT count(*) FROM jobs WHERE status = 'running' AND type = '{type}'", Ct).ContinueWith(t => long.Parse(t.Result));

    [Fact]
    public async Task Claim_starts_no_more_of_a_limited_type_than_its_free_places_and_other_types_fill_the_rest()
    {
        var limited = Db.OpenAnotherStore([new TypeLimit("sleep", Concurrency: 2, RatePerMinute: null)]);
        var sleeps = await CreateManyAsync("sleep", 5);
        var noops = await CreateManyAsync("noop", 3);

        var first = await limited.ClaimAsync(Worker, 10, Lease, Ct);
        Assert.Equal([sleeps[0].Id, sleeps[1].Id, noops[0].Id, noops[1].Id, noops[2].Id], first.Select(j => j.Id));
        Assert.Empty(await limited.ClaimAsync(Worker, 10, Lease, Ct));

        await limited.CompleteAsync(Worker, [new Completion(sleeps[0].Id, JobOperation.Succeed, TransitionInput.None)], Ct);
        Assert.Equal([sleeps[2].Id], (await limited.ClaimAsync(OtherWorker, 10, Lease, Ct)).Select(j => j.Id));
        Assert.Equal(2, await RunningAsync("sleep"));
    }

    [Fact]
    public async Task Two_nodes_claiming_at_once_together_never_run_more_than_the_limit()
    {
        var limits = new[] { new TypeLimit("sleep", Concurrency: 3, RatePerMinute: null) };
        var nodes = new[] { Db.OpenAnotherStore(limits), Db.OpenAnotherStore(limits) };
        await CreateManyAsync("sleep", 12);

        var claims = Enumerable.Range(0, 16).Select(i => Task.Run(() => nodes[i % 2].ClaimAsync($"w{i}", 2, Lease, Ct))).ToList();
        var claimed = (await Task.WhenAll(claims)).Sum(c => c.Count);

        Assert.Equal(3, claimed);
        Assert.Equal(3, await RunningAsync("sleep"));
    }

    [Fact]
    public async Task A_rate_limited_type_starts_at_most_its_rate_in_any_minute()
    {
        var limited = Db.OpenAnotherStore([new TypeLimit("sleep", Concurrency: null, RatePerMinute: 3)]);
        var sleeps = await CreateManyAsync("sleep", 5);

        Assert.Equal(sleeps.Take(3).Select(j => j.Id), (await limited.ClaimAsync(Worker, 10, Lease, Ct)).Select(j => j.Id));
        foreach (var job in sleeps.Take(3))
            await limited.CompleteAsync(Worker, [new Completion(job.Id, JobOperation.Succeed, TransitionInput.None)], Ct);
        Assert.Empty(await limited.ClaimAsync(Worker, 10, Lease, Ct));

        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await limited.ClaimAsync(Worker, 10, Lease, Ct));

        Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(sleeps.Skip(3).Select(j => j.Id), (await limited.ClaimAsync(Worker, 10, Lease, Ct)).Select(j => j.Id));
        Assert.Equal("2", await Db.ScalarTextAsync("SELECT count(*) FROM type_starts", Ct));
    }

    [Fact]
    public async Task A_paused_type_starts_nothing_until_it_is_resumed_and_each_change_is_audited_once()
    {
        var control = (ITypeControl)Store;
        var sleep = await CreateAsync(ANewJob.OfType("sleep"));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var noop = await CreateAsync(ANewJob.Noop());

        Assert.True(await control.PauseTypeAsync("sleep", Audit(Operator, "type.pause"), Ct));
        Assert.False(await control.PauseTypeAsync("sleep", Audit(Operator, "type.pause"), Ct));

        Assert.Equal([noop.Id], (await Store.ClaimAsync(Worker, 10, Lease, Ct)).Select(j => j.Id));
        Assert.Empty(await Store.ClaimAsync(Worker, 10, Lease, Ct));
        var pause = Assert.Single(await control.ListPausedTypesAsync(Ct));
        Assert.Equal(("sleep", Now, Operator), (pause.Type, pause.PausedAt, pause.PausedBy));
        Assert.Equal("queued", (await Db.JobRowAsync(sleep.Id, Ct)).Status);

        Assert.True(await control.ResumeTypeAsync("sleep", Audit(Operator, "type.resume"), Ct));
        Assert.False(await control.ResumeTypeAsync("sleep", Audit(Operator, "type.resume"), Ct));
        Assert.Equal([sleep.Id], (await Store.ClaimAsync(Worker, 10, Lease, Ct)).Select(j => j.Id));
        Assert.Empty(await control.ListPausedTypesAsync(Ct));

        foreach (var (action, outcome) in new[] { ("type.pause", "applied"), ("type.pause", "no_op"), ("type.resume", "applied"), ("type.resume", "no_op") })
        {
            Assert.Equal("1", await Db.ScalarTextAsync(
                $"SELECT count(*) FROM audit_events WHERE action = '{action}' AND target = 'sleep' AND outcome = '{outcome}' AND actor = '{Operator}'", Ct));
        }
        Assert.Equal("4", await Db.ScalarTextAsync("SELECT count(*) FROM audit_events WHERE action LIKE 'type.%'", Ct));
    }
}
