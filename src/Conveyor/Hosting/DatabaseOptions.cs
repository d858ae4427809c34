namespace Conveyor.Hosting;

/// <summary>The <c>Conveyor:Database</c> section.</summary>
public sealed class DatabaseOptions
{
    public string Provider { get; set; } = "sqlite";
}
