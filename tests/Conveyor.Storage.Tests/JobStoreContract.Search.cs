using Conveyor.Core;

namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    /// <summary>Five jobs to search: file names, metadata text and ids that share and differ in parts.</summary>
    private async Task<Job[]> SeedSearchableAsync()
    {
        var requests = new[]
        {
            ANewJob.OfType("csv").WithFile("people-2026.csv", 10, "text/csv").WithDataset("people"),
            ANewJob.OfType("csv").WithFile("People-archive.CSV", 10, "text/csv").WithDataset("archive"),
            ANewJob.OfType("json").WithFile("orders.json", 10, "application/json").WithMetadata("""{"customer":"Ünal & Söhne","region":"north"}"""),
            ANewJob.Noop().WithId(Guid.Parse("0badc0de-1111-7000-8000-000000000003")).WithMetadata("""{"note":"100% done_ok"}"""),
            ANewJob.Noop().WithId(Guid.Parse("0badc0df-2222-7000-8000-000000000004")).WithMetadata("""{"note":"1000 done"}"""),
        };
        var jobs = new List<Job>();
        foreach (var request in requests)
        {
            jobs.Add(await CreateAsync(request));
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
        return [.. jobs];
    }

    private async Task<Guid[]> SearchAsync(string text, JobQuery? query = null)
    {
        var page = await Store.ListAsync((query ?? new JobQuery()) with { Search = text, Limit = JobDefaults.MaxPageSize }, Ct);
        Assert.Equal(page.Items.Count, page.Total);
        return page.Items.Select(j => j.Id).Order().ToArray();
    }

    [Fact]
    public async Task Search_finds_jobs_by_file_name_case_insensitively_and_by_part_of_it()
    {
        var jobs = await SeedSearchableAsync();

        Assert.Equal(new[] { jobs[0].Id, jobs[1].Id }.Order(), await SearchAsync("people"));
        Assert.Equal(new[] { jobs[0].Id, jobs[1].Id }.Order(), await SearchAsync("PEOPLE"));
        Assert.Equal([jobs[0].Id], await SearchAsync("ple-2026.c"));
        Assert.Equal([jobs[2].Id], await SearchAsync("orders.json"));
        Assert.Empty(await SearchAsync("people-2027"));
    }

    [Fact]
    public async Task Search_finds_a_job_by_its_whole_id_and_by_an_id_prefix()
    {
        var jobs = await SeedSearchableAsync();

        Assert.Equal([jobs[3].Id], await SearchAsync("0badc0de-1111-7000-8000-000000000003"));
        Assert.Equal([jobs[3].Id], await SearchAsync("0BADC0DE-1111"));
        Assert.Equal([jobs[3].Id], await SearchAsync("0badc0de"));
        Assert.Equal(new[] { jobs[3].Id, jobs[4].Id }.Order(), await SearchAsync("0badc0d"));
        Assert.Equal([jobs[0].Id], await SearchAsync(jobs[0].Id.ToString()[..23]));
    }

    [Fact]
    public async Task Search_finds_metadata_text_and_takes_like_and_fts_syntax_literally()
    {
        var jobs = await SeedSearchableAsync();

        Assert.Equal([jobs[2].Id], await SearchAsync("Ünal & Söhne"));
        Assert.Equal([jobs[2].Id], await SearchAsync("north"));
        // % and _ are LIKE's wildcards and a quote is FTS5's: each is searched for as itself.
        Assert.Equal([jobs[3].Id], await SearchAsync("100%"));
        Assert.Equal([jobs[3].Id], await SearchAsync("done_ok"));
        Assert.Empty(await SearchAsync("1_0"));
        Assert.Empty(await SearchAsync("\"no\" OR done"));
        Assert.Equal(new[] { jobs[3].Id, jobs[4].Id }.Order(), await SearchAsync("done"));
    }

    [Fact]
    public async Task Search_combines_with_the_other_filters()
    {
        var jobs = await SeedSearchableAsync();
        await Store.ApplyAsync(jobs[1].Id, JobOperation.Cancel, Audit(), Ct);

        Assert.Equal([jobs[0].Id], await SearchAsync("people", new JobQuery { Dataset = "people" }));
        Assert.Equal([jobs[1].Id], await SearchAsync("people", new JobQuery { Statuses = [JobStatus.Cancelled] }));
        Assert.Empty(await SearchAsync("people", new JobQuery { Type = "json" }));
    }

    [Fact]
    public async Task Search_finds_jobs_whatever_way_they_were_created()
    {
        var failed = await AJobThatIs(Situation.Failed, ANewJob.Noop().WithMetadata("""{"tag":"original-x"}"""));
        var batch = await Store.CreateBatchAsync(
            [ANewJob.Noop().WithMetadata("""{"tag":"batch-one"}"""), ANewJob.Noop().WithMetadata("""{"tag":"batch-two"}""")], Audit(), Ct);
        var retry = await Store.RetryAsNewAsync(failed.Id, original => RetryOf(original), Audit(), Ct);

        Assert.Equal(batch.Select(j => j.Id).Order(), await SearchAsync("batch-"));
        Assert.Equal(new[] { failed.Id, retry.Retry!.Id }.Order(), await SearchAsync("original-x"));
    }

    [Fact]
    public async Task Keyset_paging_with_a_search_visits_every_match_once_in_order()
    {
        var expected = new List<Guid>();
        for (var i = 0; i < 11; i++)
        {
            var job = await CreateAsync(ANewJob.Noop().WithMetadata(i % 2 == 0 ? """{"batch":"nightly-run"}""" : """{"batch":"other"}"""));
            if (i % 2 == 0) expected.Add(job.Id);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
        var query = new JobQuery { Search = "nightly", Limit = 2 };

        var visited = new List<Guid>();
        JobCursor? after = null;
        do
        {
            var page = await Store.ListAsync(query with { After = after }, Ct);
            Assert.Equal(6, page.Total);
            visited.AddRange(page.Items.Select(j => j.Id));
            after = page.Next;
        } while (after is not null && visited.Count <= expected.Count);

        Assert.Equal(Enumerable.Reverse(expected), visited);
    }

    [Fact]
    public async Task A_count_limit_caps_the_total_and_says_so_but_keeps_the_page()
    {
        for (var i = 0; i < 7; i++) await CreateAsync(ANewJob.Noop());

        var capped = await Store.ListAsync(new JobQuery { CountLimit = 5, Limit = 3 }, Ct);
        var exact = await Store.ListAsync(new JobQuery { CountLimit = 7, Limit = 3 }, Ct);

        Assert.Equal((5, true, 3), (capped.Total, capped.TotalCapped, capped.Items.Count));
        Assert.NotNull(capped.Next);
        Assert.Equal((7, false), (exact.Total, exact.TotalCapped));
        Assert.Equal(7, await Store.CountAsync(new JobQuery { CountLimit = 5 }, Ct));
    }

    [Fact]
    public async Task Listing_ids_walks_every_match_in_id_order_in_pieces()
    {
        var csv = new List<Guid>();
        for (var i = 0; i < 9; i++)
        {
            var job = await CreateAsync(i % 3 == 0 ? ANewJob.Noop() : ANewJob.OfType("csv"));
            if (i % 3 != 0) csv.Add(job.Id);
        }
        var filter = new JobQuery { Type = "csv" };

        var walked = new List<Guid>();
        Guid? after = null;
        for (var piece = 0; piece < 10; piece++)
        {
            var ids = await Store.ListIdsAsync(filter, after, 4, Ct);
            if (ids.Count == 0) break;
            walked.AddRange(ids);
            after = ids[^1];
        }

        Assert.Equal(csv.OrderBy(id => id.ToString(), StringComparer.Ordinal), walked);
        Assert.Equal(6, await Store.CountAsync(filter, Ct));
    }
}
