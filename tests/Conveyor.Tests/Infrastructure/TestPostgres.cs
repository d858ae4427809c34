using Npgsql;

namespace Conveyor.Tests.Infrastructure;

/// <summary>
/// Fresh databases on the throwaway cluster ./test.sh starts. Without it these tests fail (never skip):
/// a missing PostgreSQL must not turn a CI run green.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "CONVEYOR_TEST_POSTGRES";

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{Variable} is not set: run the tests through ./test.sh, which starts a throwaway PostgreSQL.");

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "conveyor_t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }
}
