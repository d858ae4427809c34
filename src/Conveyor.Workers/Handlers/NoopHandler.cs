namespace Conveyor.Workers.Handlers;

/// <summary>Diagnostic <c>noop</c>: succeeds at once.</summary>
public sealed class NoopHandler : IJobHandler
{
    public string Type => "noop";

    public Task HandleAsync(JobContext context, CancellationToken ct) => Task.CompletedTask;
}
