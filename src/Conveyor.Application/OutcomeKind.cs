namespace Conveyor.Application;

/// <summary>How a use case ended; the HTTP edge maps each kind to one status.</summary>
public enum OutcomeKind
{
    /// <summary>Something new was made (201).</summary>
    Created,

    /// <summary>Done without making anything new: a repeat, a no-op, or an operation on an existing job (200).</summary>
    Done,

    /// <summary>The input broke a rule; <see cref="Outcome{T}.Errors"/> says which, by field (400).</summary>
    Invalid,

    /// <summary>The job named does not exist (404).</summary>
    NotFound,

    /// <summary>The request clashes with the job's state or an earlier request; <see cref="Outcome{T}.Detail"/> says how (409).</summary>
    Conflict,
}
