namespace Conveyor.Workers.Nodes;

/// <summary>What this process is for the node registry: <c>serve</c> (API, maybe with workers) or <c>worker</c>, and its version.</summary>
public sealed record NodeKind(string Kind, string Version)
{
    public const string Serve = "serve";
    public const string Worker = "worker";
}
