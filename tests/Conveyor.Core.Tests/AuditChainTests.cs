namespace Conveyor.Core.Tests;

public sealed class AuditChainTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static AuditContext Who(int n) => new("key:ops", "admin", $"jobs.cancel.{n}")
    {
        Id = new Guid($"00000000-0000-7000-8000-{n:D12}"),
        RequestId = $"req-{n}",
        RemoteIp = "10.0.0.7",
        Details = $$"""{"n":{{n}}}""",
    };

    /// <summary>A chain of <paramref name="count"/> events linked from the genesis hash.</summary>
    private static List<AuditEvent> Chain(int count)
    {
        var events = new List<AuditEvent>();
        for (var i = 1; i <= count; i++)
        {
            var (seq, hash) = events.Count == 0 ? (0L, AuditChain.Genesis) : (events[^1].Seq, events[^1].Hash);
            events.Add(AuditChain.Link(seq, hash, Who(i), T0.AddSeconds(i), $"job:{i}", "ok"));
        }
        return events;
    }

    [Fact]
    public void Each_event_follows_the_one_before_it_and_carries_its_hash()
    {
        var chain = Chain(3);

        Assert.Equal([1L, 2L, 3L], chain.Select(e => e.Seq));
        Assert.Equal(AuditChain.Genesis, chain[0].PrevHash);
        Assert.Equal(new string('0', 64), AuditChain.Genesis);
        Assert.Equal(chain[0].Hash, chain[1].PrevHash);
        Assert.Equal(chain[1].Hash, chain[2].PrevHash);
        Assert.All(chain, e => Assert.Equal(AuditChain.HashOf(e), e.Hash));
        Assert.All(chain, e => Assert.Matches("^[0-9a-f]{64}$", e.Hash));
        Assert.Equal(3, chain.Select(e => e.Hash).Distinct().Count());
    }

    [Fact]
    public void A_linked_event_keeps_everything_the_context_says()
    {
        var e = AuditChain.Link(41, AuditChain.Genesis, Who(7), T0, "job:7", "refused");

        Assert.Equal((42L, Who(7).Id, T0, "key:ops", "admin", "jobs.cancel.7", "job:7", "refused", "req-7", "10.0.0.7", """{"n":7}"""),
            (e.Seq, e.Id, e.At, e.Actor, e.Role, e.Action, e.Target, e.Outcome, e.RequestId, e.RemoteIp, e.Details));
    }

    [Fact]
    public void The_hash_covers_the_time_as_stored_to_the_microsecond()
    {
        var precise = T0.AddTicks(12_345_678); // 1.2345678 s: the 8 is below a microsecond

        var e = AuditChain.Link(0, AuditChain.Genesis, Who(1), precise, null, "ok");
        var asStored = e with { At = T0.AddTicks(12_345_670) };

        Assert.Equal(T0.AddTicks(12_345_670), e.At);
        Assert.Equal(e.Hash, AuditChain.HashOf(asStored));
        Assert.Null(AuditChain.Verify([asStored]));
    }

    [Fact]
    public void The_hash_is_the_documented_canonical_form_so_stored_chains_still_verify()
    {
        // SHA-256 of [1,"00000000-0000-7000-8000-000000000001",1772366401000000,"key:ops","admin","jobs.cancel.1",
        // "job:1","ok","req-1","10.0.0.7","{\"n\":1}","000…0"]: a change of the serialization breaks every stored chain.
        var e = Chain(1)[0];

        Assert.Equal(ExpectedFirstHash, e.Hash);
    }

    private static readonly string ExpectedFirstHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(
            """[1,"00000000-0000-7000-8000-000000000001",1772366401000000,"key:ops","admin","jobs.cancel.1","job:1","ok","req-1","10.0.0.7","{\u0022n\u0022:1}","0000000000000000000000000000000000000000000000000000000000000000"]""")));

    public static TheoryData<string> Fields => new() { "seq", "id", "at", "actor", "role", "action", "target", "outcome", "request_id", "remote_ip", "details", "prev_hash" };

    [Theory]
    [MemberData(nameof(Fields))]
    public void Changing_any_field_changes_the_hash(string field)
    {
        var e = Chain(1)[0];
        var changed = field switch
        {
            "seq" => e with { Seq = 2 },
            "id" => e with { Id = Guid.Empty },
            "at" => e with { At = e.At.AddTicks(10) },
            "actor" => e with { Actor = "key:other" },
            "role" => e with { Role = "reader" },
            "action" => e with { Action = "jobs.delete" },
            "target" => e with { Target = null },
            "outcome" => e with { Outcome = "refused" },
            "request_id" => e with { RequestId = null },
            "remote_ip" => e with { RemoteIp = "10.0.0.8" },
            "details" => e with { Details = "{}" },
            "prev_hash" => e with { PrevHash = new string('1', 64) },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.NotEqual(e.Hash, AuditChain.HashOf(changed));
        Assert.NotNull(AuditChain.Verify([changed]));
    }

    [Fact]
    public void An_intact_chain_verifies()
    {
        Assert.Null(AuditChain.Verify(Chain(5)));
        Assert.Null(AuditChain.Verify([]));
    }

    [Fact]
    public void A_removed_row_is_found_at_the_gap()
    {
        var chain = Chain(5);
        chain.RemoveAt(2);

        var broken = AuditChain.Verify(chain)!;

        Assert.Equal((4L, chain[2].Id), (broken.Seq, broken.Id));
        Assert.Equal("expected event 3 next but found 4 (a row was removed or inserted)", broken.Reason);
        Assert.Equal($"audit event 4 ({chain[2].Id}): expected event 3 next but found 4 (a row was removed or inserted)", broken.ToString());
    }

    [Fact]
    public void A_row_rehashed_after_a_change_breaks_the_next_link()
    {
        var chain = Chain(4);
        var forged = chain[1] with { Outcome = "ok, honestly" };
        chain[1] = forged with { Hash = AuditChain.HashOf(forged) };

        var broken = AuditChain.Verify(chain)!;

        Assert.Equal(3L, broken.Seq);
        Assert.Equal("its prev_hash does not match the hash of event 2", broken.Reason);
    }

    [Fact]
    public void A_changed_row_is_found_where_it_was_changed()
    {
        var chain = Chain(4);
        chain[2] = chain[2] with { Actor = "someone else" };

        var broken = AuditChain.Verify(chain)!;

        Assert.Equal(3L, broken.Seq);
        Assert.Equal("its hash does not match its content (the row was changed)", broken.Reason);
    }

    [Fact]
    public void A_chain_can_be_verified_from_a_known_event_on()
    {
        var chain = Chain(6);

        Assert.Null(AuditChain.Verify(chain.Skip(3), 3, chain[2].Hash));
        Assert.Equal("its prev_hash does not match the hash of event 3", AuditChain.Verify(chain.Skip(3), 3, chain[1].Hash)!.Reason);
        Assert.Equal(4L, AuditChain.Verify(chain.Skip(3), 2, chain[2].Hash)!.Seq);
    }

    [Fact]
    public async Task The_verifier_walks_every_page_and_counts_what_held()
    {
        var chain = Chain(25);
        var asked = new List<long>();

        var (count, broken) = await AuditVerifier.VerifyAsync(Pages(chain, asked), CancellationToken.None, pageSize: 10);

        Assert.Equal((25L, (AuditBreak?)null), (count, broken));
        Assert.Equal([0L, 10L, 20L, 25L], asked);
    }

    [Fact]
    public async Task The_verifier_carries_each_page_last_hash_into_the_next()
    {
        var chain = Chain(25);
        var forged = chain[9] with { Details = """{"n":"forged"}""" };
        chain[9] = forged with { Hash = AuditChain.HashOf(forged) }; // the last event of page 1 is rehashed

        var (count, broken) = await AuditVerifier.VerifyAsync(Pages(chain, []), CancellationToken.None, pageSize: 10);

        Assert.Equal(10L, count);
        Assert.Equal((11L, "its prev_hash does not match the hash of event 10"), (broken!.Seq, broken.Reason));
    }

    [Fact]
    public async Task The_verifier_stops_at_a_break_on_a_later_page()
    {
        var chain = Chain(25);
        chain.RemoveAt(22);

        var (count, broken) = await AuditVerifier.VerifyAsync(Pages(chain, []), CancellationToken.None, pageSize: 10);

        // Events 1-22 held: the two full pages and the two before the gap on the third (issue 12: it said 20).
        Assert.Equal(22L, count);
        Assert.Equal(24L, broken!.Seq);
    }

    private static Func<long, int, CancellationToken, Task<IReadOnlyList<AuditEvent>>> Pages(List<AuditEvent> chain, List<long> asked) =>
        (after, limit, _) =>
        {
            asked.Add(after);
            return Task.FromResult<IReadOnlyList<AuditEvent>>([.. chain.Where(e => e.Seq > after).Take(limit)]);
        };

    [Fact]
    public void The_system_acts_as_an_admin_with_empty_details()
    {
        var a = AuditContext.System("maintenance.prune");
        var b = AuditContext.System("maintenance.prune");

        Assert.Equal(("system", "admin", "maintenance.prune", "{}"), (a.Actor, a.Role, a.Action, a.Details));
        Assert.Null(a.RequestId);
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(7, a.Id.Version);
    }
}
