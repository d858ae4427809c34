namespace Conveyor.Workers;

/// <summary>Finds the handler of a job by its <c>type</c>.</summary>
public sealed class JobHandlerRegistry
{
    private readonly Dictionary<string, IJobHandler> _handlers;

    public JobHandlerRegistry(IEnumerable<IJobHandler> handlers)
    {
        _handlers = new Dictionary<string, IJobHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            if (!_handlers.TryAdd(handler.Type, handler))
                throw new InvalidOperationException($"Two handlers are registered for job type '{handler.Type}'.");
        }
    }

    public IReadOnlyCollection<string> Types => _handlers.Keys;

    public bool IsKnown(string type) => _handlers.ContainsKey(type);

    public IJobHandler? Find(string type) => _handlers.GetValueOrDefault(type);
}
