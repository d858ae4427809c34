using Conveyor.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Conveyor.Caching;

/// <summary>
/// Registers the job cache: Redis (with a near cache per node) when <c>Conveyor:Redis:Configuration</c> is set, this
/// process's memory on SQLite (one process writes), none on PostgreSQL without Redis (other nodes write). Every way a
/// job changes is wrapped so each change drops what it made stale: the queue (claim, heartbeat, completion, progress,
/// release), the operators' changes (cancel, requeue, retry-as-new, bulk actions), the rescuer, the pruner and the
/// demo data's clear.
/// </summary>
public static class CacheServices
{
    public static IServiceCollection AddConveyorJobCache(this IServiceCollection services, IConfiguration configuration, string databaseProvider)
    {
        var section = configuration.GetSection(RedisOptions.Section);
        var options = section.Get<RedisOptions>() ?? new RedisOptions();
        var problems = options.Validate().ToList();
        if (problems.Count > 0) throw new OptionsValidationException(RedisOptions.Section, typeof(RedisOptions), problems);
        services.AddOptions<RedisOptions>().Bind(section);

        if (options.Enabled)
        {
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options.ClientOptions()));
            AddCache<RedisJobCache>(services);
            services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        }
        else if (databaseProvider == StoreOptions.Sqlite)
        {
            AddCache<MemoryJobCache>(services);
        }
        else
        {
            AddCache<StoreOnlyJobCache>(services);
            return services;
        }

        Decorate<IJobQueue>(services, (inner, sp) => new CacheInvalidatingQueue(inner, sp.GetRequiredService<IJobCache>()));
        Decorate<IJobAdmin>(services, (inner, sp) => new CacheInvalidatingAdmin(inner, sp.GetRequiredService<IJobCache>()));
        Decorate<IJobMaintenance>(services, (inner, sp) => new CacheInvalidatingMaintenance(inner, sp.GetRequiredService<IJobCache>()));
        Decorate<IJobRetention>(services, (inner, sp) => new CacheInvalidatingRetention(inner, sp.GetRequiredService<IJobCache>()));
        Decorate<IDemoData>(services, (inner, sp) => new CacheInvalidatingDemoData(inner, sp.GetRequiredService<IJobCache>()));
        return services;
    }

    /// <summary>The cache of this install, its answers counted (<see cref="MeteredJobCache"/>).</summary>
    private static void AddCache<TCache>(IServiceCollection services) where TCache : class, IJobCache
    {
        services.AddSingleton<TCache>();
        services.AddSingleton<IJobCache>(sp => new MeteredJobCache(sp.GetRequiredService<TCache>(), sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
    }

    /// <summary>Wraps the registered <typeparamref name="T"/> (a factory-made singleton) in <paramref name="wrap"/>.</summary>
    private static void Decorate<T>(IServiceCollection services, Func<T, IServiceProvider, T> wrap) where T : class
    {
        var registered = services.Last(d => d.ServiceType == typeof(T));
        var factory = registered.ImplementationFactory
            ?? throw new InvalidOperationException($"{typeof(T).Name} must be registered by a factory to be wrapped by the job cache.");
        services.Remove(registered);
        services.AddSingleton<T>(sp => wrap((T)factory(sp), sp));
    }
}
