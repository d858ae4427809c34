using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace Conveyor.Tests;

/// <summary>
/// The storage split as the compiler sees it: the contracts, the workers and ingestion reference no database package;
/// each driver references its own and not the other's; SQL is written only in the drivers, each in its own dialect.
/// </summary>
public sealed partial class AssemblyLayoutTests
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

    /// <summary>The project files themselves: a package referenced but unused would not show in the assembly's references.</summary>
    [Theory]
    [InlineData("src/Conveyor.Storage/Conveyor.Storage.csproj")]
    [InlineData("src/Conveyor.Workers/Conveyor.Workers.csproj")]
    [InlineData("src/Conveyor.Ingestion/Conveyor.Ingestion.csproj")]
    public void Project_file_names_no_database_package_nor_driver(string project)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Conveyor.slnx"))) root = root.Parent;
        Assert.True(root is not null, $"No Conveyor.slnx above {AppContext.BaseDirectory}.");
        var text = File.ReadAllText(Path.Combine(root.FullName, project));

        Assert.Contains("Conveyor.Core.csproj", text);
        foreach (var forbidden in new[] { "\"Npgsql\"", "\"Microsoft.Data.Sqlite\"", "\"Dapper\"", "Conveyor.Storage.Postgres.csproj", "Conveyor.Storage.Sqlite.csproj" })
            Assert.DoesNotContain(forbidden, text, StringComparison.Ordinal);
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

    /// <summary>A statement, in any dialect: what no assembly but a driver may hold.</summary>
    [GeneratedRegex(@"\b(SELECT\b[\s\S]+?\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER))\b",
        RegexOptions.IgnoreCase)]
    private static partial Regex Statement();

    /// <summary>What only PostgreSQL's SQL says: casts, arrays, its functions and types, row locks.</summary>
    [GeneratedRegex(@"::(uuid|text|jsonb?|bigint|integer|timestamptz|boolean)\b|\bunnest\(|\bpg_\w+\(|SKIP LOCKED|FOR UPDATE|\btimestamptz\b|\bjsonb\b",
        RegexOptions.IgnoreCase)]
    private static partial Regex PostgresDialect();

    /// <summary>What only SQLite's SQL says.</summary>
    [GeneratedRegex(@"\bPRAGMA\b|\bAUTOINCREMENT\b|\bsqlite_\w+|\bBEGIN\s+IMMEDIATE\b", RegexOptions.IgnoreCase)]
    private static partial Regex SqliteDialect();

    /// <summary>Every string an assembly carries: literals, string constants, and embedded <c>.sql</c> resources.</summary>
    private static List<string> Strings(string name)
    {
        var assembly = Assembly.Load(name);
        var strings = new List<string>();
        using (var pe = new PEReader(File.OpenRead(assembly.Location)))
        {
            var metadata = pe.GetMetadataReader();
            for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = metadata.GetNextHandle(handle))
                strings.Add(metadata.GetUserString(handle));
            foreach (var fieldHandle in metadata.FieldDefinitions)
            {
                var constantHandle = metadata.GetFieldDefinition(fieldHandle).GetDefaultValue();
                if (constantHandle.IsNil) continue;
                var constant = metadata.GetConstant(constantHandle);
                if (constant.TypeCode != ConstantTypeCode.String) continue;
                var blob = metadata.GetBlobReader(constant.Value);
                strings.Add(blob.ReadUTF16(blob.Length));
            }
        }
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.EndsWith(".sql", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            strings.Add(reader.ReadToEnd());
        }
        return strings;
    }

    [Theory]
    [InlineData("Conveyor.Core")]
    [InlineData("Conveyor.Storage")]
    [InlineData("Conveyor.Workers")]
    [InlineData("Conveyor.Ingestion")]
    [InlineData("Conveyor")]
    public void Assembly_holds_no_sql_statement(string assembly)
    {
        Assert.DoesNotContain(Strings(assembly), s => Statement().IsMatch(s));
    }

    [Fact]
    public void Drivers_hold_sql_only_in_their_own_dialect()
    {
        var postgres = Strings("Conveyor.Storage.Postgres");
        var sqlite = Strings("Conveyor.Storage.Sqlite");

        Assert.Contains(postgres, s => Statement().IsMatch(s) && PostgresDialect().IsMatch(s));
        Assert.Contains(sqlite, s => Statement().IsMatch(s) && SqliteDialect().IsMatch(s));
        Assert.DoesNotContain(postgres, s => SqliteDialect().IsMatch(s));
        Assert.DoesNotContain(sqlite, s => PostgresDialect().IsMatch(s));
    }

    /// <summary>No driver decides a transition: the status machine is the orchestration's (Conveyor.Storage), not theirs.</summary>
    [Theory]
    [InlineData("Conveyor.Storage.Postgres")]
    [InlineData("Conveyor.Storage.Sqlite")]
    public void Driver_references_neither_the_status_machine_nor_the_change_planner(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(Assembly.Load(assembly).Location));
        var metadata = pe.GetMetadataReader();
        var referenced = metadata.TypeReferences.Select(h => metadata.GetString(metadata.GetTypeReference(h).Name)).ToList();

        Assert.Contains("JobChange", referenced);
        Assert.DoesNotContain("StatusMachine", referenced);
        Assert.DoesNotContain("JobChanges", referenced);
    }
}
