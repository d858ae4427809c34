namespace Conveyor.Client;

/// <summary>Where the server is and the key to send (as <c>X-Api-Key</c>).</summary>
public sealed class ConveyorClientOptions
{
    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:5080</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>An API key (<c>cvk_…</c>); null sends none.</summary>
    public string? ApiKey { get; set; }
}
