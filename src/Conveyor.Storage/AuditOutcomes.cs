using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>The <c>outcome</c> vocabulary of <c>audit_events</c> (SPEC §6).</summary>
public static class AuditOutcomes
{
    public const string Applied = "applied";
    public const string NoOp = "no_op";
    public const string Rejected = "rejected";
    public const string Denied = "denied";

    /// <summary>The outcome of an operation the status machine decided.</summary>
    public static string Of(TransitionResult result) => result.Kind switch
    {
        TransitionKind.Applied => Applied,
        TransitionKind.NoOp => NoOp,
        _ => Rejected,
    };
}
