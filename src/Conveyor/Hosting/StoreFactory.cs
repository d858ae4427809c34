using Conveyor.Storage;
using Conveyor.Storage.Postgres;
using Conveyor.Storage.Sqlite;
using Conveyor.Workers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conveyor.Hosting;

/// <summary>Builds the configured store: SQLite in the data directory by default, or PostgreSQL.</summary>
public static class StoreFactory
{
    public static string ConnectionString(IConfiguration configuration, ConveyorOptions options)
    {
        var configured = configuration.GetConnectionString("Conveyor");
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        if (options.Database.Provider == StoreOptions.Postgres)
            throw new Microsoft.Extensions.Options.OptionsValidationException("ConnectionStrings:Conveyor", typeof(string),
                ["ConnectionStrings:Conveyor is required when Conveyor:Database:Provider is 'postgres'."]);
        return $"Data Source={Path.Combine(Path.GetFullPath(options.DataDirectory), "conveyor.db")}";
    }

    /// <summary>The <c>Conveyor:Types</c> ceilings; a bad one stops start-up naming its key.</summary>
    public static IReadOnlyList<TypeLimit> TypeLimits(IConfiguration configuration)
    {
        var types = configuration.GetSection(TypeLimitOptions.Section).Get<Dictionary<string, TypeLimitOptions>>() ?? [];
        var (limits, problems) = TypeLimitOptions.Resolve(types);
        if (problems.Count > 0) throw new OptionsValidationException(TypeLimitOptions.Section, typeof(TypeLimitOptions), problems);
        return limits;
    }

    public static IServiceCollection AddConveyorStore(this IServiceCollection services, IConfiguration configuration, ConveyorOptions options)
    {
        var connectionString = ConnectionString(configuration, options);
        var limits = TypeLimits(configuration);
        services.AddSingleton(limits);
        if (options.Database.Provider == StoreOptions.Postgres)
        {
            services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
            services.AddSingleton<PostgresJobStore>(sp => new PostgresJobStore(
                sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<PostgresJobStore>>(), limits));
            AddParts<PostgresJobStore>(services);
            services.AddSingleton<ILeaderElection>(sp => new PostgresLeaderElection(
                sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            services.AddSingleton<SqliteJobStore>(sp => new SqliteJobStore(
                connectionString, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqliteJobStore>>(), limits));
            AddParts<SqliteJobStore>(services);
            services.AddSingleton<ILeaderElection>(sp => new SqliteLeaderElection(sp.GetRequiredService<TimeProvider>()));
        }
        return services;
    }

    /// <summary>Registers the one driver instance under every part of the storage contract, so each consumer asks for its part.</summary>
    private static void AddParts<TStore>(IServiceCollection services)
        where TStore : class, IJobStore, IRecordStore, IApiKeyStore, IAuditStore, ISessionStore, IDemoData, INodeRegistry, IJobStats, IJobLog
    {
        services.AddSingleton<IJobStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IStoreLifecycle>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IJobReader>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IJobAdmin>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IJobQueue>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IJobMaintenance>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IRecordStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IRecordLoader>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IRecordReader>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IUploadStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IApiKeyLookup>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IApiKeyAdmin>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IAuditStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IAuditReader>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<ITypeControl>(sp => (ITypeControl)sp.GetRequiredService<TStore>());
        services.AddSingleton<IScheduleStore>(sp => (IScheduleStore)sp.GetRequiredService<TStore>());
        services.AddSingleton<ISessionStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IDemoData>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IJobRetention>(sp => (IJobRetention)sp.GetRequiredService<TStore>());
        services.AddSingleton<IJobStatistics>(sp => (IJobStatistics)sp.GetRequiredService<TStore>());
        services.AddSingleton<INodeRegistry>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IJobStats>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IJobLog>(sp => sp.GetRequiredService<TStore>());
    }
}
