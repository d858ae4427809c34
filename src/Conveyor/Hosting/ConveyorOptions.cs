using System.ComponentModel.DataAnnotations;
using Conveyor.Auth;

namespace Conveyor.Hosting;

/// <summary>The <c>Conveyor</c> section: where data lives and which store holds it.</summary>
public sealed class ConveyorOptions
{
    public const string Section = "Conveyor";

    /// <summary>SQLite file and uploads (<c>Conveyor:DataDirectory</c>).</summary>
    [Required]
    public string DataDirectory { get; set; } = "./data";

    public DatabaseOptions Database { get; set; } = new();

    public AuthOptions Auth { get; set; } = new();

    public DataProtectionOptions DataProtection { get; set; } = new();

    public IEnumerable<string> Validate()
    {
        if (Database.Provider is not ("sqlite" or "postgres"))
            yield return $"Conveyor:Database:Provider must be 'sqlite' or 'postgres', not '{Database.Provider}'.";
        foreach (var problem in Auth.Validate()) yield return problem;
        foreach (var problem in DataProtection.Validate()) yield return problem;
    }
}
