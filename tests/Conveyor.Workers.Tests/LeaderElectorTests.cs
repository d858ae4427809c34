using Conveyor.Storage;
using Conveyor.Workers.Leadership;
using Conveyor.Workers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Workers.Tests;

public sealed class LeaderElectorTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly TestClock _clock = new();
    private readonly InMemoryLeaderElection _election;

    public LeaderElectorTests() => _election = new InMemoryLeaderElection(_clock);

    private LeaderElector Node(string id, CapturedLog<LeaderElector>? log = null) =>
        new(_election, Options.Create(Settings.Workers()), new WorkerIdentity(id), _clock, log ?? new CapturedLog<LeaderElector>());

    [Fact]
    public async Task A_lone_node_becomes_the_leader_at_its_first_attempt_and_says_so()
    {
        var log = new CapturedLog<LeaderElector>();
        await using var a = Node("a", log);

        await a.ElectOnceAsync(CancellationToken.None);

        Assert.True(a.IsLeader);
        Assert.Equal(new LeaderStatus("a", "a", AJob.Epoch, AJob.Epoch + Ttl, true), a.Status);
        Assert.Contains((LogLevel.Information, "Node a is now the leader: it runs the maintenance services"), log.Lines);
    }

    [Fact]
    public async Task Each_attempt_logs_who_leads_and_until_when_as_the_line_the_process_tests_wait_for()
    {
        await using var a = Node("a");
        var log = new CapturedLog<LeaderElector>();
        await using var b = Node("b", log);
        await a.ElectOnceAsync(CancellationToken.None);

        await b.ElectOnceAsync(CancellationToken.None);

        Assert.Equal([(LogLevel.Debug, $"leader.elected a until {AJob.Epoch + Ttl:O} (seen by b)")], log.Lines);
    }

    [Fact]
    public async Task An_attempt_that_cannot_reach_the_database_is_logged_with_the_time_to_the_next()
    {
        var log = new CapturedLog<LeaderElector>();
        await using var a = Node("a", log);
        _election.FailNextCalls(1);

        await a.ElectOnceAsync(CancellationToken.None);

        Assert.False(a.IsLeader);
        Assert.Contains((LogLevel.Warning, "Worker loop leader election failed; retrying in 00:00:05"), log.Lines);
    }

    [Fact]
    public async Task A_second_node_sees_the_first_as_leader_and_is_not_one()
    {
        await using var a = Node("a");
        var log = new CapturedLog<LeaderElector>();
        await using var b = Node("b", log);

        await a.ElectOnceAsync(CancellationToken.None);
        await b.ElectOnceAsync(CancellationToken.None);

        Assert.False(b.IsLeader);
        Assert.Equal(new LeaderStatus("b", "a", AJob.Epoch, AJob.Epoch + Ttl, false), b.Status);
        Assert.DoesNotContain(log.Lines, l => l.Message.Contains("leader:") || l.Message.Contains("now the leader"));
    }

    [Fact]
    public async Task The_leader_extends_its_term_at_each_attempt_and_keeps_the_time_it_was_elected()
    {
        await using var a = Node("a");
        await a.ElectOnceAsync(CancellationToken.None);

        _clock.Advance(Interval);
        await a.ElectOnceAsync(CancellationToken.None);

        Assert.Equal(new LeaderTerm("a", AJob.Epoch, AJob.Epoch + Interval + Ttl), _election.Row);
        Assert.True(a.IsLeader);
    }

    [Fact]
    public async Task When_the_leader_stops_extending_another_node_takes_over_once_its_term_has_passed()
    {
        await using var a = Node("a");
        await using var b = Node("b");
        await a.ElectOnceAsync(CancellationToken.None);

        _clock.Advance(Ttl - TimeSpan.FromMilliseconds(1));
        await b.ElectOnceAsync(CancellationToken.None);
        Assert.False(b.IsLeader);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await b.ElectOnceAsync(CancellationToken.None);
        Assert.True(b.IsLeader);
        Assert.Equal(new LeaderTerm("b", AJob.Epoch + Ttl, AJob.Epoch + 2 * Ttl), _election.Row);
    }

    [Fact]
    public async Task A_leader_that_cannot_reach_the_database_stops_leading_a_tenth_of_the_term_before_anyone_may_take_over()
    {
        var log = new CapturedLog<LeaderElector>();
        await using var a = Node("a", log);
        await a.ElectOnceAsync(CancellationToken.None);
        _election.FailNextCalls(100);

        _clock.Advance(TimeSpan.FromSeconds(13.4));
        await a.ElectOnceAsync(CancellationToken.None);
        Assert.True(a.IsLeader);

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.False(a.IsLeader);
        await a.ElectOnceAsync(CancellationToken.None);
        Assert.Contains((LogLevel.Warning, "Node a is no longer the leader (leader: unknown)"), log.Lines);
        Assert.Single(log.Lines, l => l.Message.Contains("no longer the leader"));
    }

    [Fact]
    public async Task A_leader_that_finds_another_node_in_its_place_says_it_lost_the_leadership()
    {
        var log = new CapturedLog<LeaderElector>();
        await using var a = Node("a", log);
        await using var b = Node("b");
        await a.ElectOnceAsync(CancellationToken.None);
        _clock.Advance(Ttl);
        await b.ElectOnceAsync(CancellationToken.None);

        await a.ElectOnceAsync(CancellationToken.None);

        Assert.False(a.IsLeader);
        Assert.Equal("b", a.Status.Leader);
        Assert.Contains((LogLevel.Warning, "Node a is no longer the leader (leader: b)"), log.Lines);
    }

    [Fact]
    public async Task A_graceful_stop_resigns_so_another_node_takes_over_at_its_next_attempt_without_waiting_for_the_term()
    {
        var log = new CapturedLog<LeaderElector>();
        var a = Node("a", log);
        await using var b = Node("b");
        await a.StartAsync(CancellationToken.None);
        await Until.TrueAsync(() => a.IsLeader, "a to lead");

        await a.StopAsync(CancellationToken.None);
        await b.ElectOnceAsync(CancellationToken.None);

        Assert.Equal(["a"], _election.Resigned);
        Assert.False(a.IsLeader);
        Assert.True(b.IsLeader);
        Assert.Contains((LogLevel.Information, "Node a resigned as leader"), log.Lines);
        await a.DisposeAsync();
        Assert.Equal(["a"], _election.Resigned);
    }

    [Fact]
    public async Task A_node_that_does_not_lead_does_not_resign_on_stop()
    {
        await using var a = Node("a");
        var b = Node("b");
        await a.ElectOnceAsync(CancellationToken.None);
        await b.ElectOnceAsync(CancellationToken.None);

        await b.StopAsync(CancellationToken.None);

        Assert.Empty(_election.Resigned);
        Assert.Equal("a", _election.Row!.NodeId);
    }

    [Fact]
    public async Task Running_it_attempts_at_start_then_every_election_interval_of_the_clock()
    {
        await using var a = Node("a");
        await a.StartAsync(CancellationToken.None);
        await Until.TrueAsync(() => a.IsLeader, "the first attempt");
        await _clock.WaitForTimersAsync(1, "the wait for the next attempt");

        _clock.Advance(Interval);

        await Until.TrueAsync(() => _election.Row!.ExpiresAt == AJob.Epoch + Interval + Ttl, "the second attempt to extend the term");
    }

    [Fact]
    public async Task A_term_seen_but_passed_names_no_leader()
    {
        await using var a = Node("a");
        await using var b = Node("b");
        await a.ElectOnceAsync(CancellationToken.None);
        await b.ElectOnceAsync(CancellationToken.None);

        _clock.Advance(Ttl);

        Assert.Equal(new LeaderStatus("b", null, null, null, false), b.Status);
    }
}
