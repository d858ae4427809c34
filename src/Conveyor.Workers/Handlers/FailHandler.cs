using Conveyor.Core;

namespace Conveyor.Workers.Handlers;

/// <summary>Diagnostic <c>fail</c>: fails with <c>metadata.message</c> or a default safe message.</summary>
public sealed class FailHandler : IJobHandler
{
    public const string DefaultMessage = "The fail job failed, as asked.";

    public string Type => "fail";

    public Task HandleAsync(JobContext context, CancellationToken ct) =>
        throw new JobFailedException(JobMetadata.GetString(context.Job.Metadata, "message") ?? DefaultMessage);
}
