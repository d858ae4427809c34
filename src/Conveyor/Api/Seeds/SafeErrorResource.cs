namespace Conveyor.Api.Seeds;

/// <summary>A job's safe error: a message fit to show anyone, and the reference an operator looks up in the server log.</summary>
public sealed record SafeErrorResource(string Message, string? Reference);
