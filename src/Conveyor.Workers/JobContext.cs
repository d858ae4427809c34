using Conveyor.Core;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// What a handler gets besides its cancellation token: the job, a batched progress reporter, a logger, and
/// <see cref="Output"/> for what its success records.
/// </summary>
public sealed record JobContext(Job Job, IProgressReporter Progress, ILogger Logger)
{
    public JobOutput Output { get; } = new();
}
