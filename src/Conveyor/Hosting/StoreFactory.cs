using Conveyor.Storage;
using Conveyor.Storage.Postgres;
using Conveyor.Storage.Sqlite;
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
            throw new InvalidOperationException("ConnectionStrings:Conveyor is required when Conveyor:Database:Provider is 'postgres'.");
        return $"Data Source={Path.Combine(Path.GetFullPath(options.DataDirectory), "conveyor.db")}";
    }

    public static IServiceCollection AddConveyorStore(this IServiceCollection services, IConfiguration configuration, ConveyorOptions options)
    {
        var connectionString = ConnectionString(configuration, options);
        if (options.Database.Provider == StoreOptions.Postgres)
        {
            services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
            services.AddSingleton<PostgresJobStore>(sp => new PostgresJobStore(
                sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<PostgresJobStore>>()));
            services.AddSingleton<IJobStore>(sp => sp.GetRequiredService<PostgresJobStore>());
            services.AddSingleton<IStoreLifecycle>(sp => sp.GetRequiredService<PostgresJobStore>());
            services.AddSingleton<IJobReader>(sp => sp.GetRequiredService<PostgresJobStore>());
            services.AddSingleton<IJobAdmin>(sp => sp.GetRequiredService<PostgresJobStore>());
            services.AddSingleton<IJobQueue>(sp => sp.GetRequiredService<PostgresJobStore>());
            services.AddSingleton<IJobMaintenance>(sp => sp.GetRequiredService<PostgresJobStore>());
            services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<PostgresJobStore>());
            services.AddSingleton<IAuditStore>(sp => sp.GetRequiredService<PostgresJobStore>());
            services.AddSingleton<IRecordStore>(sp => sp.GetRequiredService<PostgresJobStore>());
        }
        else
        {
            services.AddSingleton<SqliteJobStore>(sp => new SqliteJobStore(
                connectionString, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqliteJobStore>>()));
            services.AddSingleton<IJobStore>(sp => sp.GetRequiredService<SqliteJobStore>());
            services.AddSingleton<IStoreLifecycle>(sp => sp.GetRequiredService<SqliteJobStore>());
            services.AddSingleton<IJobReader>(sp => sp.GetRequiredService<SqliteJobStore>());
            services.AddSingleton<IJobAdmin>(sp => sp.GetRequiredService<SqliteJobStore>());
            services.AddSingleton<IJobQueue>(sp => sp.GetRequiredService<SqliteJobStore>());
            services.AddSingleton<IJobMaintenance>(sp => sp.GetRequiredService<SqliteJobStore>());
            services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<SqliteJobStore>());
            services.AddSingleton<IAuditStore>(sp => sp.GetRequiredService<SqliteJobStore>());
            services.AddSingleton<IRecordStore>(sp => sp.GetRequiredService<SqliteJobStore>());
        }
        return services;
    }
}
