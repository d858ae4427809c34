namespace Conveyor.Application;

/// <summary>How a use case ended; the HTTP edge maps each kind to one status.</summary>
public enum OutcomeKind
{
    /// <summary>Something new was made (201).</summary>
    Created,

    /// <summary>An operation changed an existing job (200).</summary>
    Done,

    /// <summary>Nothing changed: a repeat (the same idempotent create, a second retry-as-new) or a no-op such as a second cancel (200).</summary>
    Unchanged,

    /// <summary>The input broke a rule; <see cref="Outcome{T}.Errors"/> says which, by field (400).</summary>
    Invalid,

    /// <summary>The caller's role may not ask for this (an ingestion limit set by someone not an admin); <see cref="Outcome{T}.Detail"/> says what (403).</summary>
    Forbidden,

    /// <summary>The job named does not exist (404).</summary>
    NotFound,

    /// <summary>The request clashes with the job's state or an earlier request; <see cref="Outcome{T}.Detail"/> says how (409).</summary>
    Conflict,
}
