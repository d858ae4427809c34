using System.Reflection;

namespace Conveyor.Tests;

/// <summary>
/// The storage split as the compiler sees it: the contracts, the workers and ingestion reference no database package;
/// each driver references its own and not the other's.
/// </summary>
public sealed class AssemblyLayoutTests
{
    private static readonly string[] DatabasePackages = ["Npgsql", "Microsoft.Data.Sqlite", "SQLitePCLRaw.core"];

    private static IReadOnlyList<string> References(string assembly) =>
        Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).Order(StringComparer.Ordinal).ToList();

    [Theory]
    [InlineData("Conveyor.Core")]
    [InlineData("Conveyor.Storage")]
    [InlineData("Conveyor.Workers")]
    [InlineData("Conveyor.Ingestion")]
    public void Assembly_references_no_database_package(string assembly)
    {
        Assert.Empty(References(assembly).Intersect(DatabasePackages));
    }

    [Fact]
    public void Postgres_driver_references_npgsql_and_not_sqlite()
    {
        var references = References("Conveyor.Storage.Postgres");
        Assert.Contains("Npgsql", references);
        Assert.DoesNotContain("Microsoft.Data.Sqlite", references);
    }

    [Fact]
    public void Sqlite_driver_references_sqlite_and_not_npgsql()
    {
        var references = References("Conveyor.Storage.Sqlite");
        Assert.Contains("Microsoft.Data.Sqlite", references);
        Assert.DoesNotContain("Npgsql", references);
    }

    [Fact]
    public void Audit_chain_lives_in_core()
    {
        Assert.Equal("Conveyor.Core", typeof(Core.AuditChain).Assembly.GetName().Name);
        Assert.Equal("Conveyor.Core", typeof(Core.AuditVerifier).Assembly.GetName().Name);
    }
}
