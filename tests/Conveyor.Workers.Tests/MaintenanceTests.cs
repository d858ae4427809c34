using Conveyor.Workers.Leadership;
using Conveyor.Workers.Maintenance;
using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers.Tests;

public sealed class MaintenanceTests
{
    private readonly TestClock _clock = new();
    private readonly InMemoryLeaderElection _election;

    public MaintenanceTests() => _election = new InMemoryLeaderElection(_clock);

    private async Task<LeaderElector> LeaderAsync(string id = "a")
    {
        var elector = new LeaderElector(_election, Options.Create(Settings.Workers()), new WorkerIdentity(id), _clock, new CapturedLog<LeaderElector>());
        await elector.ElectOnceAsync(CancellationToken.None);
        return elector;
    }

    [Fact]
    public async Task The_rescuer_rescues_in_batches_of_a_thousand_until_a_batch_comes_back_short()
    {
        var maintenance = new InMemoryMaintenance(1000, 1000, 3);
        var rescuer = new JobRescuer(maintenance, Options.Create(Settings.Workers()), NullLogger<JobRescuer>.Instance);

        await rescuer.RunOnceAsync(CancellationToken.None);

        Assert.Equal([1000, 1000, 1000], maintenance.RescueCalls);
    }

    [Fact]
    public async Task The_rescuer_asks_once_when_nothing_expired_and_runs_every_sweep_interval()
    {
        var maintenance = new InMemoryMaintenance();
        var rescuer = new JobRescuer(maintenance, Options.Create(Settings.Workers()), NullLogger<JobRescuer>.Instance);

        await rescuer.RunOnceAsync(CancellationToken.None);

        Assert.Equal([1000], maintenance.RescueCalls);
        Assert.Equal(TimeSpan.FromSeconds(10), rescuer.Interval);
        Assert.Equal("rescuer", rescuer.Name);
    }

    [Fact]
    public async Task The_runner_runs_each_service_on_its_own_interval_of_the_clock()
    {
        var often = new CountingService("often", TimeSpan.FromSeconds(1));
        var seldom = new CountingService("seldom", TimeSpan.FromSeconds(3));
        await using var leader = await LeaderAsync();
        await using var runner = new MaintenanceRunner([often, seldom], leader, _clock, NullLogger<MaintenanceRunner>.Instance);
        await runner.StartAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(2, "both services to sleep");

        for (var second = 1; second <= 3; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Until.TrueAsync(() => often.Runs == second, $"run {second} of the frequent service");
        }
        await Until.TrueAsync(() => seldom.Runs == 1, "the seldom service's run");

        await runner.StopAsync(CancellationToken.None);
        Assert.Equal((3, 1), (often.Runs, seldom.Runs));
    }

    [Fact]
    public async Task A_failing_run_is_logged_and_the_next_interval_runs_again()
    {
        var flaky = new CountingService("flaky", TimeSpan.FromSeconds(1), failFirst: true);
        var log = new CapturedLog<MaintenanceRunner>();
        await using var leader = await LeaderAsync();
        await using var runner = new MaintenanceRunner([flaky], leader, _clock, log);
        await runner.StartAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(1, "the service to sleep");

        _clock.Advance(TimeSpan.FromSeconds(1));
        await Until.TrueAsync(() => flaky.Runs == 1, "the failing run");
        _clock.Advance(TimeSpan.FromSeconds(1));
        await Until.TrueAsync(() => flaky.Runs == 2, "the next run");
        await runner.StopAsync(CancellationToken.None);

        Assert.Equal([(LogLevel.Warning, "Worker loop flaky failed; retrying in 00:00:01")], log.Lines.Select(l => (l.Level, l.Message)));
    }

    [Fact]
    public async Task A_node_that_is_not_the_leader_never_runs_maintenance()
    {
        await using var leader = await LeaderAsync("a");
        await using var follower = await LeaderAsync("b");
        var onLeader = new CountingService("rescuer", TimeSpan.FromSeconds(1));
        var onFollower = new CountingService("rescuer", TimeSpan.FromSeconds(1));
        await using var leaderRunner = new MaintenanceRunner([onLeader], leader, _clock, NullLogger<MaintenanceRunner>.Instance);
        await using var followerRunner = new MaintenanceRunner([onFollower], follower, _clock, NullLogger<MaintenanceRunner>.Instance);
        await leaderRunner.StartAsync(CancellationToken.None);
        await followerRunner.StartAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(2, "both runners to sleep");

        for (var second = 1; second <= 5; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Until.TrueAsync(() => onLeader.Runs == second, $"the leader's run {second}");
            await leader.ElectOnceAsync(CancellationToken.None);
            await follower.ElectOnceAsync(CancellationToken.None);
        }

        await followerRunner.StopAsync(CancellationToken.None);
        Assert.Equal(0, onFollower.Runs);
    }

    [Fact]
    public async Task A_leader_whose_term_lapsed_stops_running_maintenance_and_the_node_that_took_over_starts()
    {
        await using var a = await LeaderAsync("a");
        await using var b = await LeaderAsync("b");
        var onA = new CountingService("rescuer", TimeSpan.FromSeconds(10));
        var onB = new CountingService("rescuer", TimeSpan.FromSeconds(10));
        await using var runnerA = new MaintenanceRunner([onA], a, _clock, NullLogger<MaintenanceRunner>.Instance);
        await using var runnerB = new MaintenanceRunner([onB], b, _clock, NullLogger<MaintenanceRunner>.Instance);
        await runnerA.StartAsync(CancellationToken.None);
        await runnerB.StartAsync(CancellationToken.None);
        await _clock.WaitForTimersAsync(2, "both runners to sleep");

        // a stops extending its term (it hangs); 15 s later b takes over at its next attempt.
        _clock.Advance(TimeSpan.FromSeconds(10));
        await Until.TrueAsync(() => onA.Runs == 1, "a's run while it leads");
        _clock.Advance(TimeSpan.FromSeconds(5));
        await b.ElectOnceAsync(CancellationToken.None);
        Assert.True(b.IsLeader);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await Until.TrueAsync(() => onB.Runs == 1, "b's run now it leads");

        await runnerA.StopAsync(CancellationToken.None);
        Assert.Equal(1, onA.Runs);
    }

    private sealed class CountingService(string name, TimeSpan interval, bool failFirst = false) : IMaintenanceService
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public string Name => name;

        public TimeSpan Interval => interval;

        public Task RunOnceAsync(CancellationToken ct)
        {
            var run = Interlocked.Increment(ref _runs);
            return failFirst && run == 1 ? throw new InvalidOperationException("The store is away.") : Task.CompletedTask;
        }
    }
}
