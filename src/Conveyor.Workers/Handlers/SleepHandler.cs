using Conveyor.Core;

namespace Conveyor.Workers.Handlers;

/// <summary>Diagnostic <c>sleep</c>: waits <c>metadata.seconds</c> (default 1), reporting progress each second, and honours cancel.</summary>
public sealed class SleepHandler(TimeProvider time) : IJobHandler
{
    public const double MaxSeconds = 24 * 3600;

    public string Type => "sleep";

    public async Task HandleAsync(JobContext context, CancellationToken ct)
    {
        var seconds = JobMetadata.TryGetDouble(context.Job.Metadata, "seconds", out var value) ? value : 1;
        seconds = Math.Clamp(seconds, 0, MaxSeconds);
        var total = (long)Math.Ceiling(seconds);
        var remaining = TimeSpan.FromSeconds(seconds);
        long done = 0;
        context.Progress.Report(0, 0, total);
        while (remaining > TimeSpan.Zero)
        {
            var step = remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1);
            await Task.Delay(step, time, ct);
            remaining -= step;
            context.Progress.Report(++done, 0, total);
        }
    }
}
