using Conveyor.Core;
using Microsoft.Extensions.Logging;

namespace Conveyor.Workers;

/// <summary>
/// What a handler gets besides its cancellation token: the job, a batched progress reporter, a logger, and
/// <see cref="Output"/> for what its success records.
/// </summary>
public sealed record JobContext(Job Job, IProgressReporter Progress, ILogger Logger)
{
    private JobOutput? _output;

    /// <summary>Made on first use: most handlers record nothing, and the hot path then allocates nothing for it.</summary>
    public JobOutput Output => _output ??= new JobOutput();

    /// <summary>The output if the handler touched <see cref="Output"/>, else null.</summary>
    internal JobOutput? Written => _output;
}
