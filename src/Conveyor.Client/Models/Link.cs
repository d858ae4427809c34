namespace Conveyor.Client;

/// <summary>A hypermedia link on a resource: where to go and with which method.</summary>
public sealed record Link(string Href, string? Method = null);
