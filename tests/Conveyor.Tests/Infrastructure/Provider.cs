namespace Conveyor.Tests.Infrastructure;

/// <summary>The two stores every contract test runs against.</summary>
public enum Provider
{
    Sqlite,
    Postgres,
}
