namespace Conveyor.Hosting;

/// <summary>The <c>Conveyor:Auth</c> section.</summary>
public sealed class AuthOptions
{
    /// <summary>The admin key a first start creates; empty means generate one and print it once.</summary>
    public string? BootstrapAdminKey { get; set; }
}
