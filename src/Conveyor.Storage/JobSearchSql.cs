namespace Conveyor.Storage;

/// <summary>
/// How a driver searches its index: <see cref="Clause"/> restricts <c>jobs</c> to the matches of <c>@search</c>, bound to
/// <see cref="Bind"/> of the searched text (a LIKE pattern on PostgreSQL, an FTS5 phrase on SQLite).
/// </summary>
internal sealed record JobSearchSql(string Clause, Func<string, string> Bind);
