using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>Retry-as-new: the original, the new job (created now or earlier), and what the machine decided.</summary>
public sealed record RetryAsNewOutcome(Job? Original, Job? Retry, TransitionResult? Transition)
{
    public static RetryAsNewOutcome NotFound { get; } = new(null, null, null);
}
