namespace Conveyor.Core;

/// <summary>Whether an operation changed the job, changed nothing, or was refused.</summary>
public enum TransitionKind
{
    Applied,
    NoOp,
    Rejected,
}
