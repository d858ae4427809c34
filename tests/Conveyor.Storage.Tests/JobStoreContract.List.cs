using Conveyor.Core;

namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    private static readonly Guid CatalogueSession = Guid.Parse("6f1c1d2e-0000-4000-8000-000000000001");

    /// <summary>
    /// Seven jobs whose sort keys disagree with each other (ties in priority, type and status included) and whose
    /// filters overlap: j0…j6 by creation order.
    /// </summary>
    private async Task<Job[]> SeedCatalogueAsync()
    {
        var requests = new[]
        {
            ANewJob.OfType("csv").WithPriority(5).ScheduledAt(Now.AddMinutes(10)).WithSourceType("csv_upload").WithDataset("orders"),
            ANewJob.OfType("noop").WithPriority(0),
            ANewJob.OfType("json").WithPriority(5).InSession(CatalogueSession),
            ANewJob.OfType("noop").WithPriority(-3).ScheduledAt(Now.AddMinutes(5)),
            ANewJob.OfType("csv").WithPriority(0).WithSourceType("csv_upload").WithDataset("people"),
            ANewJob.OfType("sleep").WithPriority(9),
            ANewJob.OfType("json").WithPriority(0).WithSourceType("json_api").WithDataset("orders"),
        };
        var ids = new List<Guid>();
        foreach (var request in requests)
        {
            ids.Add((await CreateAsync(request)).Id);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
        // Move updated_at and status out of creation order: j5 and j2 run, j4 then j1 are cancelled, j2 succeeds.
        var claimed = await Store.ClaimAsync(Worker, 2, Lease, Ct);
        Assert.Equal(new[] { ids[5], ids[2] }.Order(), claimed.Select(j => j.Id).Order());
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Store.ApplyAsync(ids[4], JobOperation.Cancel, Audit(Operator), Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Store.ApplyAsync(ids[1], JobOperation.Cancel, Audit(Operator), Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await CompleteAsync(ids[2], JobOperation.Succeed);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var jobs = new Job[ids.Count];
        for (var i = 0; i < ids.Count; i++) jobs[i] = (await Store.GetAsync(ids[i], Ct))!;
        return jobs;
    }

    private async Task<Guid[]> ListIdsAsync(JobQuery query)
    {
        var page = await Store.ListAsync(query with { Limit = JobDefaults.MaxPageSize }, Ct);
        Assert.Null(page.Next);
        return page.Items.Select(j => j.Id).ToArray();
    }

    public static TheoryData<string, int[]> Filters => new()
    {
        { "status=queued", [0, 3, 6] },
        { "status=running", [5] },
        { "status=cancelled,succeeded", [1, 2, 4] },
        { "status=queued,running,succeeded,failed,cancelled", [0, 1, 2, 3, 4, 5, 6] },
        { "status=failed", [] },
        { "type=noop", [1, 3] },
        { "type=csv", [0, 4] },
        { "source_type=csv_upload", [0, 4] },
        { "source_type=json_api", [6] },
        { "dataset=orders", [0, 6] },
        { "dataset=people", [4] },
        { "session", [2] },
        { "type=csv&status=queued", [0] },
        { "dataset=orders&source_type=json_api&status=queued", [6] },
        { "type=csv&status=running", [] },
        { "type=transcription", [] },
    };

    private static JobQuery Parse(string filter)
    {
        var query = new JobQuery();
        foreach (var part in filter.Split('&'))
        {
            var (name, value) = part.Split('=') is [var n, var v] ? (n, v) : (part, "");
            query = name switch
            {
                "status" => query with { Statuses = value.Split(',').Select(JobStatusNames.Parse).ToList() },
                "type" => query with { Type = value },
                "source_type" => query with { SourceType = value },
                "dataset" => query with { Dataset = value },
                "session" => query with { SessionId = CatalogueSession },
                _ => throw new ArgumentException(part),
            };
        }
        return query;
    }

    [Theory]
    [MemberData(nameof(Filters), MemberType = typeof(JobStoreContract))]
    public async Task List_returns_exactly_the_jobs_that_match_every_filter(string filter, int[] expected)
    {
        var jobs = await SeedCatalogueAsync();
        var query = Parse(filter);

        var page = await Store.ListAsync(query with { Limit = JobDefaults.MaxPageSize }, Ct);

        Assert.Equal(expected.Select(i => jobs[i].Id).Order(), page.Items.Select(j => j.Id).Order());
        Assert.Equal(expected.Length, page.Total);
        Assert.Null(page.Next);
    }

    public static TheoryData<JobSortField, bool> Sorts()
    {
        var data = new TheoryData<JobSortField, bool>();
        foreach (var field in Enum.GetValues<JobSortField>())
        {
            data.Add(field, false);
            data.Add(field, true);
        }
        return data;
    }

    /// <summary>The order a list must have: the sort key, then the id, both in the requested direction.</summary>
    private static Guid[] Expected(IEnumerable<Job> jobs, JobSortField field, bool descending)
    {
        int Compare(Job a, Job b)
        {
            var c = field switch
            {
                JobSortField.CreatedAt => a.CreatedAt.CompareTo(b.CreatedAt),
                JobSortField.UpdatedAt => a.UpdatedAt.CompareTo(b.UpdatedAt),
                JobSortField.ScheduledAt => a.ScheduledAt.CompareTo(b.ScheduledAt),
                JobSortField.Priority => a.Priority.CompareTo(b.Priority),
                JobSortField.Status => string.CompareOrdinal(a.Status.ToName(), b.Status.ToName()),
                JobSortField.Type => string.CompareOrdinal(a.Type, b.Type),
                _ => throw new ArgumentOutOfRangeException(nameof(field)),
            };
            if (c == 0) c = string.CompareOrdinal(a.Id.ToString(), b.Id.ToString());
            return descending ? -c : c;
        }
        var list = jobs.ToList();
        list.Sort(Compare);
        return list.Select(j => j.Id).ToArray();
    }

    [Theory]
    [MemberData(nameof(Sorts), MemberType = typeof(JobStoreContract))]
    public async Task List_sorts_by_every_field_in_both_directions_with_the_id_breaking_ties(JobSortField field, bool descending)
    {
        var jobs = await SeedCatalogueAsync();
        var expected = Expected(jobs, field, descending);

        var ids = await ListIdsAsync(new JobQuery { SortBy = field, Descending = descending });

        Assert.Equal(expected, ids);
        Assert.NotEqual(Expected(jobs, field, !descending), ids);
    }

    [Theory]
    [MemberData(nameof(Sorts), MemberType = typeof(JobStoreContract))]
    public async Task Keyset_cursor_paging_visits_every_row_exactly_once_in_order(JobSortField field, bool descending)
    {
        var jobs = await SeedCatalogueAsync();
        var query = new JobQuery { SortBy = field, Descending = descending, Limit = 2 };

        var visited = new List<Guid>();
        var pages = 0;
        for (JobCursor? after = null; ; pages++)
        {
            var page = await Store.ListAsync(query with { After = after }, Ct);
            Assert.Equal(7, page.Total);
            Assert.InRange(page.Items.Count, 1, 2);
            visited.AddRange(page.Items.Select(j => j.Id));
            if (page.Next is null) break;
            // The cursor travels through a client as text.
            Assert.True(JobCursor.TryDecode(page.Next.Encode(), out after));
            Assert.True(pages < 10, "the cursor never ends");
        }

        Assert.Equal(Expected(jobs, field, descending), visited);
        Assert.Equal(3, pages);
    }

    [Theory]
    [MemberData(nameof(Sorts), MemberType = typeof(JobStoreContract))]
    public async Task Page_number_paging_visits_every_row_exactly_once_in_order(JobSortField field, bool descending)
    {
        var jobs = await SeedCatalogueAsync();

        var visited = new List<Guid>();
        for (var number = 1; number <= 3; number++)
        {
            var page = await Store.ListAsync(new JobQuery { SortBy = field, Descending = descending, Limit = 3, Page = number }, Ct);
            Assert.Equal(7, page.Total);
            Assert.Equal(number < 3 ? 3 : 1, page.Items.Count);
            visited.AddRange(page.Items.Select(j => j.Id));
        }
        var beyond = await Store.ListAsync(new JobQuery { SortBy = field, Descending = descending, Limit = 3, Page = 4 }, Ct);

        Assert.Equal(Expected(jobs, field, descending), visited);
        Assert.Empty(beyond.Items);
        Assert.Equal(7, beyond.Total);
        Assert.Null(beyond.Next);
    }

    [Fact]
    public async Task Keyset_paging_with_a_filter_visits_every_matching_row_of_many()
    {
        var expected = new List<Job>();
        for (var i = 0; i < 23; i++)
        {
            var job = await CreateAsync(ANewJob.OfType(i % 3 == 0 ? "csv" : "json").WithPriority(i % 4));
            if (i % 3 != 0) expected.Add(job);
            if (i % 2 == 0) Clock.Advance(TimeSpan.FromMilliseconds(1)); // some share created_at
        }
        var query = new JobQuery { Type = "json", SortBy = JobSortField.Priority, Descending = true, Limit = 4 };

        var visited = new List<Guid>();
        JobCursor? after = null;
        do
        {
            var page = await Store.ListAsync(query with { After = after }, Ct);
            Assert.Equal(expected.Count, page.Total);
            visited.AddRange(page.Items.Select(j => j.Id));
            after = page.Next;
        } while (after is not null && visited.Count <= expected.Count);

        Assert.Equal(expected.Count, visited.Distinct().Count());
        Assert.Equal(Expected(expected, JobSortField.Priority, descending: true), visited);
    }

    [Fact]
    public async Task Keyset_paging_neither_repeats_nor_skips_rows_when_jobs_arrive_between_pages()
    {
        var existing = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            existing.Add((await CreateAsync(ANewJob.Noop())).Id);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
        var query = new JobQuery { SortBy = JobSortField.CreatedAt, Descending = true, Limit = 4 };

        var first = await Store.ListAsync(query, Ct);
        for (var i = 0; i < 3; i++) await CreateAsync(ANewJob.Noop());
        var visited = first.Items.Select(j => j.Id).ToList();
        for (var after = first.Next; after is not null;)
        {
            var page = await Store.ListAsync(query with { After = after }, Ct);
            visited.AddRange(page.Items.Select(j => j.Id));
            after = page.Next;
        }

        Assert.Equal(Enumerable.Reverse(existing), visited);
    }
}
