namespace Conveyor.Storage;

/// <summary>
/// How a driver restricts <c>jobs</c> to a list of ids (<see cref="JobQuery.Ids"/>): <see cref="Clause"/> tests
/// <c>@ids</c>, bound to <see cref="Bind"/> of the ids (one array on PostgreSQL, one JSON array on SQLite), so the
/// statement's text is the same however many ids.
/// </summary>
internal sealed record JobIdsSql(string Clause, Func<IReadOnlyList<Guid>, object> Bind);
