namespace Conveyor.Application;

/// <summary>What a use case came to, as a value: its kind and the value, field errors or detail that go with it.</summary>
public sealed record Outcome<T>(OutcomeKind Kind, T? Value, IReadOnlyDictionary<string, string[]>? Errors, string? Detail)
{
    /// <summary>Created, done or unchanged: <see cref="Value"/> holds the result.</summary>
    public bool Succeeded => Kind is OutcomeKind.Created or OutcomeKind.Done or OutcomeKind.Unchanged;
}

/// <summary>Makes <see cref="Outcome{T}"/> values.</summary>
public static class Outcome
{
    public static Outcome<T> Created<T>(T value) => new(OutcomeKind.Created, value, null, null);

    public static Outcome<T> Done<T>(T value) => new(OutcomeKind.Done, value, null, null);

    public static Outcome<T> Unchanged<T>(T value) => new(OutcomeKind.Unchanged, value, null, null);

    public static Outcome<T> Invalid<T>(IReadOnlyDictionary<string, string[]> errors) => new(OutcomeKind.Invalid, default, errors, null);

    /// <param name="what">What was not found, as a sentence's subject (<c>Job 0198…</c>).</param>
    public static Outcome<T> NotFound<T>(string what) => new(OutcomeKind.NotFound, default, null, what);

    public static Outcome<T> Forbidden<T>(string detail) => new(OutcomeKind.Forbidden, default, null, detail);

    public static Outcome<T> Conflict<T>(string detail) => new(OutcomeKind.Conflict, default, null, detail);
}
