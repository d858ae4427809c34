using Conveyor.Storage.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Storage.Tests;

/// <summary>SQLite's leader is the one process: the node that asks leads, keeps its election time, and may resign.</summary>
public sealed class SqliteLeaderElectionTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(15);
    private readonly FakeTimeProvider _clock = new(StoreHarness.Epoch);

    [Fact]
    public async Task The_asking_node_leads_for_the_ttl_and_extends_it_keeping_its_election_time()
    {
        var election = new SqliteLeaderElection(_clock);

        Assert.Equal(new LeaderTerm("a", StoreHarness.Epoch, StoreHarness.Epoch + Ttl), await election.ElectAsync("a", Ttl, CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(new LeaderTerm("a", StoreHarness.Epoch, StoreHarness.Epoch + TimeSpan.FromSeconds(20)),
            await election.ElectAsync("a", Ttl, CancellationToken.None));
    }

    [Fact]
    public async Task After_a_resignation_the_next_term_starts_anew()
    {
        var election = new SqliteLeaderElection(_clock);
        await election.ElectAsync("a", Ttl, CancellationToken.None);
        await election.ResignAsync("other", CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(StoreHarness.Epoch, (await election.ElectAsync("a", Ttl, CancellationToken.None))!.ElectedAt);

        await election.ResignAsync("a", CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(StoreHarness.Epoch + TimeSpan.FromSeconds(10), (await election.ElectAsync("a", Ttl, CancellationToken.None))!.ElectedAt);
    }
}
