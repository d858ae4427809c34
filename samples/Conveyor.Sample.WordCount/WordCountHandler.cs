using Conveyor.Workers;

namespace Conveyor.Sample.WordCount;

/// <summary>
/// The <c>wordcount</c> job type: counts the words of <c>metadata.text</c>, one progress step per word, so the job's
/// <c>records_processed</c> ends as the count. A job without text fails with a message its submitter can read.
/// </summary>
public sealed class WordCountHandler(WordSplitter splitter) : IJobTypeHandler
{
    public Task HandleAsync(JobContext context, CancellationToken ct)
    {
        if (!context.Job.Metadata.TryGetProperty("text", out var text) || text.ValueKind != System.Text.Json.JsonValueKind.String)
            throw new JobFailedException("metadata.text must be a string.", retryable: false);
        var words = splitter.Split(text.GetString()!);
        for (var i = 0; i < words.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            context.Progress.Report(i + 1, 0, words.Count);
        }
        context.Logger.LogInformation("Counted {Words} words in job {JobId}", words.Count, context.Job.Id);
        return Task.CompletedTask;
    }
}
