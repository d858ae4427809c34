using System.Data.Common;
using Conveyor.Storage.Driver;
using Npgsql;

namespace Conveyor.Storage.Postgres;

/// <summary>A <c>jobs</c> row of the PostgreSQL schema: ids are <c>uuid</c>, times <c>timestamptz</c>, flags <c>boolean</c>.</summary>
internal sealed class PostgresJobRow : JobRowReader
{
    private PostgresJobRow(NpgsqlDataReader r, bool stateOnly) : base(r, stateOnly)
    {
    }

    /// <summary>The columns of <see cref="JobColumns.All"/> in <paramref name="r"/>'s current result set.</summary>
    public static PostgresJobRow Of(NpgsqlDataReader r) => new(r, stateOnly: false);

    /// <summary>The columns of <see cref="JobColumns.State"/> in <paramref name="r"/>'s current result set.</summary>
    public static PostgresJobRow OfState(NpgsqlDataReader r) => new(r, stateOnly: true);

    protected override Guid Id(DbDataReader r, int ordinal) => r.GetGuid(ordinal);

    protected override DateTimeOffset Time(DbDataReader r, int ordinal) => r.GetFieldValue<DateTimeOffset>(ordinal);

    protected override bool Flag(DbDataReader r, int ordinal) => r.GetBoolean(ordinal);
}
