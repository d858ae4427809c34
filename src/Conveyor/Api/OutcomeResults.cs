using Conveyor.Application;

namespace Conveyor.Api;

/// <summary>The one place a use case's <see cref="Outcome{T}"/> becomes an HTTP answer: success as the endpoint says, the rest as RFC 9457 problems.</summary>
public static class OutcomeResults
{
    /// <summary>
    /// <paramref name="created"/> for <see cref="OutcomeKind.Created"/>, <paramref name="done"/> for <see cref="OutcomeKind.Done"/> and
    /// <see cref="OutcomeKind.Unchanged"/>, a 400
    /// validation problem (errors by field), 403, 404 or 409 problem otherwise.
    /// </summary>
    public static IResult ToResult<T>(this Outcome<T> outcome, Func<T, IResult> created, Func<T, IResult> done) => outcome.Kind switch
    {
        OutcomeKind.Created => created(outcome.Value!),
        OutcomeKind.Done or OutcomeKind.Unchanged => done(outcome.Value!),
        OutcomeKind.Invalid => Problems.Validation(outcome.Errors!.ToDictionary()),
        OutcomeKind.Forbidden => Problems.Forbidden(outcome.Detail!),
        OutcomeKind.NotFound => Problems.NotFound(outcome.Detail!),
        OutcomeKind.Conflict => Problems.Conflict(outcome.Detail!),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome.Kind, "Not an outcome kind."),
    };

    /// <summary>The same answer whether something new was made or not.</summary>
    public static IResult ToResult<T>(this Outcome<T> outcome, Func<T, IResult> succeeded) => outcome.ToResult(succeeded, succeeded);
}
