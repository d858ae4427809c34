using System.Globalization;
using Conveyor.Client;
using Spectre.Console;

namespace Conveyor.Cli;

/// <summary>How the session commands show sessions on a console: the badge in its style's colour, the jobs, the summary.</summary>
public static class SessionViews
{
    /// <summary>Ready, Failed and Cancelled are where a session stays until someone acts on it.</summary>
    public static bool IsSettled(Session session) => session.StatusBadge.Label is "Ready" or "Failed" or "Cancelled";

    public static string Badge(SessionBadge badge) => badge.Style switch
    {
        "success" => $"[green]{Markup.Escape(badge.Label)}[/]",
        "danger" => $"[red]{Markup.Escape(badge.Label)}[/]",
        "progress" => $"[blue]{Markup.Escape(badge.Label)}[/]",
        "info" => $"[yellow]{Markup.Escape(badge.Label)}[/]",
        "muted" => $"[grey]{Markup.Escape(badge.Label)}[/]",
        _ => Markup.Escape(badge.Label),
    };

    private static string Jobs(IEnumerable<SessionJob> jobs) =>
        string.Join(", ", jobs.Select(j => $"{Markup.Escape(j.Type)} {JobViews.Status(j.Status)}"));

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>One line for a script's log: id, badge, and the failed job's type when there is one.</summary>
    public static string Line(Session session) =>
        $"{session.Id} {session.StatusBadge.Label}" + (session.Jobs.LastOrDefault(j => j.Status == JobStatus.Failed) is { } failed
            ? $" ({failed.Type} {failed.Id} failed: conveyor jobs show {failed.Id})" : "");

    public static string Describe(Session session) =>
        $"{session.Id.ToString()[..8]} {Markup.Escape(session.Title)} {Badge(session.StatusBadge)} ({Jobs(session.Jobs)})";

    public static Table Sessions(IEnumerable<SessionListItem> sessions)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("id").NoWrap())
            .AddColumns("course", "title", "badge", "jobs")
            .AddColumn(new TableColumn("updated").NoWrap());
        foreach (var s in sessions)
            table.AddRow(s.Id.ToString(), Markup.Escape(s.CourseId), Markup.Escape(s.Title), Badge(s.StatusBadge), Jobs(s.Jobs), Time(s.UpdatedAt));
        return table;
    }

    public static Grid Session(Session session)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string? value) { if (!string.IsNullOrEmpty(value)) grid.AddRow($"[bold]{name}[/]", value); }
        Row("id", session.Id.ToString());
        Row("course", Markup.Escape(session.CourseId));
        Row("title", Markup.Escape(session.Title));
        Row("badge", Badge(session.StatusBadge));
        Row("synthetic", session.Synthetic ? "yes" : null);
        foreach (var job in session.Jobs) Row(job.Type, $"{job.Id} {JobViews.Status(job.Status)}");
        if (session.Transcript is { } t)
        {
            var duration = t.DurationSeconds is { } d ? $", {d.ToString("0.#", CultureInfo.InvariantCulture)} s" : "";
            var language = t.Language is null ? "" : $", {Markup.Escape(t.Language)}";
            Row("transcript", $"{t.Format}, {t.Segments.Count} segments{duration}{language}");
        }
        if (session.Summary is { } summary)
        {
            Row("summary", Markup.Escape(summary.Text));
            Row("key points", string.Join("\n", summary.KeyPoints.Select(p => "• " + Markup.Escape(p))));
            Row("words", summary.WordCount.ToString(CultureInfo.InvariantCulture));
        }
        Row("created", Time(session.CreatedAt));
        Row("updated", Time(session.UpdatedAt));
        return grid;
    }

    public static Table Segments(Transcript transcript)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "from", "to", "speaker", "text");
        foreach (var s in transcript.Segments)
        {
            table.AddRow(s.Index.ToString(CultureInfo.InvariantCulture), Seconds(s.StartSeconds), Seconds(s.EndSeconds), Markup.Escape(s.Speaker ?? ""),
                Markup.Escape(s.Text));
        }
        return table;
    }

    private static string Seconds(double? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s).ToString(@"mm\:ss\.fff", CultureInfo.InvariantCulture) : "";
}
