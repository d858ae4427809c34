using System.Data.Common;
using Conveyor.Storage.Driver;

namespace Conveyor.Storage.Sqlite;

/// <summary>A <c>jobs</c> row of the SQLite schema: ids are text, times µs since the epoch, flags 0 or 1.</summary>
internal sealed class SqliteJobRow : JobRowReader
{
    private SqliteJobRow(DbDataReader r, bool stateOnly) : base(r, stateOnly)
    {
    }

    /// <summary>The columns of <see cref="JobColumns.All"/> in <paramref name="r"/>'s current result set.</summary>
    public static SqliteJobRow Of(DbDataReader r) => new(r, stateOnly: false);

    /// <summary>The columns of <see cref="JobColumns.State"/> in <paramref name="r"/>'s current result set.</summary>
    public static SqliteJobRow OfState(DbDataReader r) => new(r, stateOnly: true);

    protected override Guid Id(DbDataReader r, int ordinal) => Guid.Parse(r.GetString(ordinal));

    protected override DateTimeOffset Time(DbDataReader r, int ordinal) => Microseconds.FromUnixTimeMicroseconds(r.GetInt64(ordinal));

    protected override bool Flag(DbDataReader r, int ordinal) => r.GetInt64(ordinal) == 1;
}
