using System.Diagnostics;
using System.Globalization;
using Conveyor.Client;
using Spectre.Console;

namespace Conveyor.Cli;

/// <summary>
/// Uploads with a byte bar, and following jobs to their end with one live bar each (rows, rows/s, status); plain
/// lines instead of bars when stdout is not a terminal, nothing but JSON under <c>--json</c>.
/// </summary>
public static class Following
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public static async Task<IReadOnlyList<Job>> UploadAsync(ClientContext context, ConveyorClient client, IReadOnlyList<string> paths,
        UploadSettings settings, CancellationToken ct)
    {
        var files = paths.Select(UploadFile.FromPath).ToList();
        if (!context.Live) return await client.UploadAsync(files, settings, null, ct);

        IReadOnlyList<Job> jobs = [];
        await context.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var name = paths.Count == 1 ? Path.GetFileName(paths[0]) : $"{paths.Count} files";
                var task = progress.AddTask(Markup.Escape($"upload {name}"), maxValue: Math.Max(1, files.Sum(f => f.Content.Length)));
                jobs = await client.UploadAsync(files, settings, new Reporter(p => task.Value = p.BytesSent), ct);
                task.Value = task.MaxValue;
            });
        return jobs;
    }

    /// <summary>Polls every job until each has finished; returns them as they ended, in the order given.</summary>
    public static async Task<IReadOnlyList<Job>> FollowAsync(ClientContext context, ConveyorClient client, IReadOnlyList<Job> jobs, CancellationToken ct)
    {
        var current = jobs.ToArray();
        if (!context.Live)
        {
            var reported = new bool[current.Length];
            while (true)
            {
                for (var i = 0; i < current.Length; i++)
                {
                    if (!current[i].Status.IsFinished()) current[i] = await client.GetJobAsync(current[i].Id, ct);
                    if (current[i].Status.IsFinished() && !reported[i] && !context.Json)
                    {
                        reported[i] = true;
                        System.Console.Out.WriteLine($"{current[i].Id} {JobViews.Word(current[i].Status)} {current[i].RecordsProcessed} rows" +
                            (current[i].Error is null ? "" : $": {current[i].Error}" + (current[i].ErrorRef is null ? "" : $" (error reference {current[i].ErrorRef})")));
                    }
                }
                if (current.All(j => j.Status.IsFinished())) return current;
                await Task.Delay(Poll, ct);
            }
        }

        await context.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var clock = Stopwatch.StartNew();
                var tasks = current.Select(j => progress.AddTask(Describe(j, 0), maxValue: Math.Max(1, j.RecordsTotal ?? 1))).ToArray();
                while (true)
                {
                    for (var i = 0; i < current.Length; i++)
                    {
                        if (tasks[i].IsFinished) continue;
                        current[i] = await client.GetJobAsync(current[i].Id, ct);
                        var job = current[i];
                        var rate = clock.Elapsed.TotalSeconds > 0 ? job.RecordsProcessed / clock.Elapsed.TotalSeconds : 0;
                        tasks[i].Description = Describe(job, rate);
                        if (job.RecordsTotal is { } total and > 0)
                        {
                            tasks[i].IsIndeterminate = false;
                            tasks[i].MaxValue = total;
                            tasks[i].Value = job.RecordsProcessed;
                        }
                        else
                        {
                            tasks[i].IsIndeterminate = job.Status == JobStatus.Running;
                        }
                        if (job.Status.IsFinished())
                        {
                            tasks[i].IsIndeterminate = false;
                            tasks[i].Value = tasks[i].MaxValue;
                            tasks[i].StopTask();
                        }
                    }
                    if (current.All(j => j.Status.IsFinished())) return;
                    await Task.Delay(Poll, ct);
                }
            });
        return current;
    }

    private static string Describe(Job job, double rate)
    {
        var name = Markup.Escape(job.FileName ?? job.Type);
        var rows = job.RecordsProcessed.ToString("N0", CultureInfo.InvariantCulture);
        var speed = job.Status == JobStatus.Running ? $" {rate.ToString("N0", CultureInfo.InvariantCulture)} rows/s" : "";
        return $"{job.Id.ToString()[..8]} {name} {JobViews.Status(job.Status)} {rows} rows{speed}";
    }

    /// <summary>Reports on the uploading thread: the bar's value is a plain field Spectre reads on its own refresh.</summary>
    private sealed class Reporter(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }

    /// <summary>0 when every job succeeded, else 1 (a job failed or was cancelled).</summary>
    public static int ExitCodeOf(IEnumerable<Job> jobs) => jobs.All(j => j.Status == JobStatus.Succeeded) ? ExitCodes.Ok : ExitCodes.Failed;
}
