namespace Conveyor.Api.V1;

/// <summary>A HATEOAS link: where to go and with which method.</summary>
public sealed record Link(string Href, string Method = "GET");
