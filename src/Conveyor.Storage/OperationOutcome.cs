using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>The result of an operator's operation: the job as it now is, and what the machine decided.</summary>
public sealed record OperationOutcome(Job? Job, TransitionResult? Transition)
{
    public static OperationOutcome NotFound { get; } = new(null, null);
}
