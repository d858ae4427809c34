namespace Conveyor.Storage;

/// <summary>How to reach the store (<c>Conveyor:Database</c> and <c>ConnectionStrings:Conveyor</c>).</summary>
public sealed record StoreOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public string Provider { get; init; } = Sqlite;
    public required string ConnectionString { get; init; }
}
