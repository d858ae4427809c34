using Conveyor.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Conveyor.Tests;

/// <summary><c>conveyor keys</c> and <c>conveyor audit verify</c>, run as the operator at the machine would, on the default SQLite store.</summary>
public sealed class CliAccessTests
{
    [Fact]
    public async Task Keys_create_list_revoke_work_on_the_store_and_audit_verify_names_a_tampered_row_with_a_non_zero_exit()
    {
        var directory = Directory.CreateTempSubdirectory("conveyor-cli-").FullName;
        var created = await ConveyorProcess.RunAsync(directory, "keys", "create", "--name", "ci", "--role", "operator");
        Assert.True(created.ExitCode == 0, created.Output);
        var key = created.Output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("cvk_", StringComparison.Ordinal));
        var id = created.Output.Split(' ')[2];

        var listed = await ConveyorProcess.RunAsync(directory, "keys", "list");
        Assert.Contains(id, listed.Output);
        Assert.Contains("active", listed.Output);
        Assert.DoesNotContain(key, listed.Output);

        Assert.Equal(0, (await ConveyorProcess.RunAsync(directory, "keys", "revoke", id)).ExitCode);
        Assert.Contains("revoked", (await ConveyorProcess.RunAsync(directory, "keys", "list")).Output);
        Assert.Equal(4, (await ConveyorProcess.RunAsync(directory, "keys", "revoke", Guid.NewGuid().ToString())).ExitCode);

        var intact = await ConveyorProcess.RunAsync(directory, "audit", "verify");
        Assert.True(intact.ExitCode == 0, intact.Output);
        Assert.Contains("3 events", intact.Output);

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "data", "conveyor.db")};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2";
            await command.ExecuteNonQueryAsync();
        }
        var broken = await ConveyorProcess.RunAsync(directory, "audit", "verify");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("audit event 2 (", broken.Output);
        Assert.Contains("changed", broken.Output);
    }
}
