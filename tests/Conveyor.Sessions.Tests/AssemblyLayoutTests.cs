namespace Conveyor.Sessions.Tests;

public sealed class AssemblyLayoutTests
{
    [Fact]
    public void Sessions_references_Core_and_no_other_Conveyor_project_nor_a_database_package()
    {
        var references = typeof(Transcript).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, r => r.StartsWith("Conveyor", StringComparison.Ordinal) && r != "Conveyor.Core");
        Assert.DoesNotContain(references, r => r is "Npgsql" or "Microsoft.Data.Sqlite" or "SQLitePCLRaw.core");
    }

    [Fact]
    public void The_badge_lives_in_Core()
    {
        Assert.Equal("Conveyor.Core", typeof(Core.SessionBadge).Assembly.GetName().Name);
    }
}
