using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>
/// Binds typed parameters by name: a scalar, or a column of an <c>unnest(...)</c> input built from a list, so each
/// array is one line beside the name the SQL uses.
/// </summary>
internal readonly struct PostgresParameters(NpgsqlParameterCollection parameters)
{
    public void Value<T>(string name, T value) => Add(parameters, name, value);

    public void Column<TRow, T>(string name, IReadOnlyList<TRow> rows, Func<TRow, T> select)
    {
        var values = new T[rows.Count];
        for (var i = 0; i < values.Length; i++) values[i] = select(rows[i]);
        Add(parameters, name, values);
    }

    public static void Add<T>(NpgsqlParameterCollection parameters, string name, T value) =>
        parameters.Add(new NpgsqlParameter<T>(name, value));

    public static void Add<T>(NpgsqlCommand command, string name, T value) => Add(command.Parameters, name, value);
}
