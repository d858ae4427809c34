using System.Globalization;
using Conveyor.Client;
using Spectre.Console;

namespace Conveyor.Cli;

/// <summary>How the client commands show jobs, events and datasets on a console: tables and grids, status in colour.</summary>
public static class JobViews
{
    public static string Status(JobStatus status) => status switch
    {
        JobStatus.Succeeded => "[green]succeeded[/]",
        JobStatus.Failed => "[red]failed[/]",
        JobStatus.Cancelled => "[grey]cancelled[/]",
        JobStatus.Running => "[blue]running[/]",
        _ => "[yellow]queued[/]",
    };

    public static string Word(JobStatus status) => status.ToString().ToLowerInvariant();

    public static string Rows(Job job) =>
        job.RecordsTotal is { } total ? $"{job.RecordsProcessed:N0}/{total:N0}" : job.RecordsProcessed.ToString("N0", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    public static Table Jobs(IEnumerable<Job> jobs, string? title = null)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("id").NoWrap())
            .AddColumns("type", "status", "dataset")
            .AddColumn(new TableColumn("rows").NoWrap().RightAligned())
            .AddColumn(new TableColumn("failed").RightAligned())
            .AddColumn(new TableColumn("updated").NoWrap());
        if (title is not null) table.Title(Markup.Escape(title));
        foreach (var job in jobs)
        {
            table.AddRow(job.Id.ToString(), Markup.Escape(job.Type), Status(job.Status), Markup.Escape(job.Dataset ?? ""), Rows(job),
                job.RecordsFailed.ToString("N0", CultureInfo.InvariantCulture), Time(job.UpdatedAt));
        }
        return table;
    }

    public static Grid Job(Job job)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string? value) { if (!string.IsNullOrEmpty(value)) grid.AddRow($"[bold]{name}[/]", value); }
        Row("id", job.Id.ToString());
        Row("type", Markup.Escape(job.Type));
        Row("status", Status(job.Status));
        Row("attempt", $"{job.Attempt} of {job.MaxAttempts}");
        Row("priority", job.Priority.ToString(CultureInfo.InvariantCulture));
        Row("dataset", Markup.Escape(job.Dataset ?? ""));
        Row("file", Markup.Escape(job.FileName ?? ""));
        Row("rows", Rows(job) + (job.RecordsFailed > 0 ? $" ({job.RecordsFailed:N0} failed)" : ""));
        Row("error", job.Error is null ? null : Markup.Escape(job.Error) + (job.ErrorRef is null ? "" : $" [grey](error reference {Markup.Escape(job.ErrorRef)})[/]"));
        Row("metadata", Markup.Escape(job.Metadata.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "" : job.Metadata.GetRawText()));
        Row("created", Time(job.CreatedAt));
        Row("started", Time(job.StartedAt));
        Row("completed", Time(job.CompletedAt));
        Row("retry of", job.RetryOf?.ToString());
        Row("retried by", job.RetriedBy?.ToString());
        return grid;
    }

    public static Table Events(IEnumerable<JobEvent> events)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "at", "event", "from", "to", "actor", "data");
        foreach (var e in events)
        {
            table.AddRow(e.Id.ToString(CultureInfo.InvariantCulture), Time(e.At), Markup.Escape(e.Type), e.FromStatus ?? "", e.ToStatus ?? "",
                Markup.Escape(e.Actor), Markup.Escape(e.Data.ValueKind == System.Text.Json.JsonValueKind.Object && e.Data.EnumerateObject().Any() ? e.Data.GetRawText() : ""));
        }
        return table;
    }

    public static Table Datasets(IEnumerable<Dataset> datasets)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("name", "jobs", "records", "updated");
        foreach (var d in datasets)
            table.AddRow(Markup.Escape(d.Name), d.Jobs.ToString("N0", CultureInfo.InvariantCulture), d.Records.ToString("N0", CultureInfo.InvariantCulture), Time(d.UpdatedAt));
        return table;
    }
}
