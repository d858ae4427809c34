using Microsoft.Data.Sqlite;

namespace Conveyor.Storage.Sqlite;

/// <summary>Sets a reused command's parameters by name (added on first use), with null as SQL NULL.</summary>
internal readonly struct SqliteParameters(SqliteParameterCollection parameters)
{
    public void Set(string name, object? value)
    {
        var index = parameters.IndexOf(name);
        var parameter = index >= 0 ? parameters[index] : parameters.Add(new SqliteParameter(name, null));
        parameter.Value = value ?? DBNull.Value;
    }
}
