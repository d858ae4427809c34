using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Workers;

/// <summary>Runs <typeparamref name="THandler"/> for jobs of one type, each job in a DI scope of its own.</summary>
public sealed class ScopedJobHandler<THandler>(string type, IServiceScopeFactory scopes) : IJobHandler where THandler : class, IJobTypeHandler
{
    public string Type { get; } = type;

    public async Task HandleAsync(JobContext context, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<THandler>().HandleAsync(context, ct);
    }
}
