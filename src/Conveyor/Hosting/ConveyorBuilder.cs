using Conveyor.Workers;

namespace Conveyor.Hosting;

/// <summary>What <see cref="ConveyorApplication.AddConveyor"/> returns: where an app adds its own job types.</summary>
public sealed class ConveyorBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;

    /// <summary>
    /// Runs jobs of <paramref name="type"/> with <typeparamref name="THandler"/>, resolved in a new DI scope for each job
    /// (so it may take scoped services such as a DbContext). The type is a lowercase word (<c>resize</c>).
    /// </summary>
    public ConveyorBuilder AddJobHandler<THandler>(string type) where THandler : class, IJobTypeHandler
    {
        // The same rule a job's type is held to when it is created, so every registered type can be submitted.
        if (Core.JobCreateRequestValidator.Validate(new Core.JobCreateRequest { Type = type }, _ => true).GetValueOrDefault("type") is [var problem, ..])
            throw new ArgumentException(problem, nameof(type));
        Services.AddScoped<THandler>();
        Services.AddSingleton<IJobHandler>(sp => new ScopedJobHandler<THandler>(type, sp.GetRequiredService<IServiceScopeFactory>()));
        return this;
    }
}
