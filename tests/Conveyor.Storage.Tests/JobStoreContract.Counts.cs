using Conveyor.Core;

namespace Conveyor.Storage.Tests;

public abstract partial class JobStoreContract
{
    [Fact]
    public async Task Counting_by_status_counts_each_status_under_the_other_filters_up_to_the_cap()
    {
        for (var i = 0; i < 4; i++) await CreateAsync(ANewJob.OfType("csv").WithDataset("people"));
        await AJobThatIs(Situation.Cancelled, ANewJob.OfType("csv").WithDataset("people"));
        await AJobThatIs(Situation.Cancelled, ANewJob.OfType("csv").WithDataset("orders"));
        await CreateAsync(ANewJob.Noop());
        var statuses = new[] { "queued", "cancelled", "failed" };

        var capped = await Store.CountByAsync(new JobQuery { Dataset = "people", CountLimit = 3 }, JobCountField.Status, statuses, Ct);
        var exact = await Store.CountByAsync(new JobQuery { Dataset = "people" }, JobCountField.Status, statuses, Ct);

        Assert.Equal([new("queued", 3, true), new("cancelled", 1, false), new("failed", 0, false)], capped);
        Assert.Equal([new("queued", 4, false), new("cancelled", 1, false), new("failed", 0, false)], exact);
    }

    [Fact]
    public async Task Counting_by_type_counts_in_the_order_asked_with_the_other_filters_and_a_search()
    {
        for (var i = 0; i < 3; i++) await CreateAsync(ANewJob.OfType("csv").WithFile($"people-{i}.csv", 10, "text/csv"));
        await CreateAsync(ANewJob.OfType("csv").WithFile("orders.csv", 10, "text/csv"));
        await CreateAsync(ANewJob.OfType("json").WithFile("people.json", 10, "application/json"));
        await AJobThatIs(Situation.Cancelled, ANewJob.OfType("json").WithFile("people-old.json", 10, "application/json"));

        var counts = await Store.CountByAsync(new JobQuery { Search = "people", Statuses = [JobStatus.Queued], CountLimit = 2 },
            JobCountField.Type, ["noop", "json", "csv"], Ct);

        Assert.Equal([new("noop", 0, false), new("json", 1, false), new("csv", 2, true)], counts);
        Assert.Empty(await Store.CountByAsync(new JobQuery(), JobCountField.Type, [], Ct));
    }

    [Fact]
    public async Task A_list_of_ids_restricts_the_page_and_the_counts_to_those_jobs_capped_in_the_order_asked_and_an_empty_one_to_none()
    {
        var a = await CreateAsync(ANewJob.OfType("csv").WithDataset("people"));
        var b = await AJobThatIs(Situation.Cancelled, ANewJob.OfType("csv").WithDataset("people"));
        var c = await CreateAsync(ANewJob.OfType("json").WithDataset("people"));
        await CreateAsync(ANewJob.OfType("csv").WithDataset("people"));
        var only = new JobQuery { Ids = [a.Id, b.Id, c.Id, Guid.NewGuid()], Type = "csv", CountLimit = 10 };

        var page = await Store.ListAsync(only, Ct);
        var byStatus = await Store.CountByAsync(only with { Type = null }, JobCountField.Status, ["queued", "cancelled"], Ct);
        var byType = await Store.CountByAsync(only with { Type = null, CountLimit = 1 }, JobCountField.Type, ["noop", "csv", "json"], Ct);
        var none = await Store.ListAsync(new JobQuery { Ids = [] }, Ct);

        Assert.Equal(new[] { a.Id, b.Id }.Order(), page.Items.Select(j => j.Id).Order());
        Assert.Equal((2L, false), (page.Total, page.TotalCapped));
        Assert.Equal([new("queued", 2, false), new("cancelled", 1, false)], byStatus);
        Assert.Equal([new("noop", 0, false), new("csv", 1, true), new("json", 1, false)], byType);
        Assert.Empty(none.Items);
        Assert.Equal(0, none.Total);
    }
}
