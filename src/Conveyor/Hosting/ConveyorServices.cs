using Conveyor.Api.V1.Ingestion;
using Conveyor.Application;
using Conveyor.Application.Retention;
using Conveyor.Application.Schedules;
using Conveyor.Telemetry;
using Conveyor.Auth;
using Conveyor.Caching;
using Conveyor.Ingestion;
using Conveyor.Ingestion.Handlers;
using Conveyor.Ingestion.Sources;
using Conveyor.Storage;
using Conveyor.Workers;
using Conveyor.Workers.Handlers;
using Conveyor.Sessions.Pipeline;
using Conveyor.Sessions.Transcription;
using Conveyor.Workers.Leadership;
using Conveyor.Workers.Maintenance;
using Conveyor.Workers.Nodes;
using Microsoft.Extensions.Options;

namespace Conveyor.Hosting;

/// <summary>The services every Conveyor process shares: options, the store, handlers and (when asked) the workers.</summary>
public static class ConveyorServices
{
    /// <summary>Binds and validates options; a bad setting fails here, at start, naming its key.</summary>
    public static ConveyorOptions AddConveyorOptions(this IServiceCollection services, IConfiguration configuration)
    {
        // Every section is checked here, eagerly, so no bad setting waits for ValidateOnStart (which the host logs with a stack trace).
        var problems = new List<string>();
        var options = Settings.Check<ConveyorOptions>(configuration, ConveyorOptions.Section, problems, o => o.Validate());
        Settings.Check<AuthOptions>(configuration, AuthOptions.Section, problems);
        Settings.Check<WorkerOptions>(configuration, WorkerOptions.Section, problems, o => o.Validate());
        Settings.Check<IngestionOptions>(configuration, IngestionOptions.Section, problems, o => o.Validate());
        Settings.Check<UploadOptions>(configuration, UploadOptions.Section, problems, o => o.Validate());
        Settings.Check<RetentionOptions>(configuration, RetentionOptions.Section, problems, o => o.Validate());
        Settings.Check<TelemetryOptions>(configuration, TelemetryOptions.Section, problems, o => o.Validate());
        if (problems.Count > 0) throw new OptionsValidationException(ConveyorOptions.Section, typeof(ConveyorOptions), problems);

        services.AddOptions<ConveyorOptions>().Bind(configuration.GetSection(ConveyorOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConveyorOptions>>(new OptionsValidator<ConveyorOptions>(o => o.Validate()));
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>>(new OptionsValidator<AuthOptions>(o => o.Validate()));
        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>>(new OptionsValidator<WorkerOptions>(o => o.Validate()));
        services.AddOptions<IngestionOptions>().Bind(configuration.GetSection(IngestionOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IngestionOptions>>(new OptionsValidator<IngestionOptions>(o => o.Validate()));
        services.AddOptions<UploadOptions>().Bind(configuration.GetSection(UploadOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UploadOptions>>(new OptionsValidator<UploadOptions>(o => o.Validate()));
        services.AddOptions<SourceOptions>().Bind(configuration.GetSection(SourceOptions.Section));
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section));
        services.AddOptions<JobFeedOptions>().Bind(configuration.GetSection(JobFeedOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JobFeedOptions>>(new OptionsValidator<JobFeedOptions>(o => o.Validate()));
        return options;
    }

    public static ConveyorOptions AddConveyorCore(this IServiceCollection services, IConfiguration configuration, bool createBootstrapKey)
    {
        var options = services.AddConveyorOptions(configuration);
        services.AddSingleton(TimeProvider.System);
        services.AddConveyorStore(configuration, options);
        services.AddConveyorJobCache(configuration, options.Database.Provider);
        services.AddSingleton<IJobHandler, NoopHandler>();
        services.AddSingleton<IJobHandler, SleepHandler>();
        services.AddSingleton<IJobHandler, FailHandler>();
        services.AddSingleton(new StorageRoot(options.DataDirectory));
        services.AddSingleton<UrlFetcher>();
        foreach (var type in new[] { "csv", "json", "ndjson" })
            services.AddSingleton<IJobHandler>(sp => ActivatorUtilities.CreateInstance<IngestHandler>(sp, type));
        services.AddConveyorSessions(configuration);
        services.AddSingleton<JobHandlerRegistry>();
        services.AddSingleton<JobService>();
        // Cron, time zone and template are checked now, before the host is built; the type once the handlers are known.
        Schedules(configuration, _ => true);
        services.AddSingleton(sp => Schedules(configuration, sp.GetRequiredService<JobHandlerRegistry>().IsKnown));
        services.AddSingleton<BulkJobService>();
        services.AddSingleton<StatsService>();
        services.AddSingleton(sp => new JobFeed(sp.GetRequiredService<IJobReader>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<JobFeedOptions>>().Value, sp.GetRequiredService<ILogger<JobFeed>>()));
        services.AddSingleton<UploadService>();
        // Registered first so migrations run before the workers' first claim.
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<StartupTasks>(sp, createBootstrapKey));
        return options;
    }

    /// <summary>The <c>Conveyor:Schedules</c> section; a bad schedule stops start-up naming its key.</summary>
    private static ScheduleSet Schedules(IConfiguration configuration, Func<string, bool> isKnownType)
    {
        var section = configuration.GetSection(ScheduleOptions.Section).Get<Dictionary<string, ScheduleOptions>>() ?? [];
        var (schedules, problems) = ScheduleOptions.Resolve(section, isKnownType);
        if (problems.Count > 0) throw new OptionsValidationException(ScheduleOptions.Section, typeof(ScheduleOptions), problems);
        return new ScheduleSet(schedules);
    }

    /// <summary>In-process workers, plus a shutdown timeout long enough for their grace period.</summary>
    /// <summary>
    /// The sessions pipeline (SPEC §5): the transcription engine <c>Conveyor:Transcription</c> configures (a command, an
    /// OpenAI-compatible endpoint, or none), the <c>transcription</c> and <c>summarization</c> handlers, and the service
    /// that creates sessions.
    /// </summary>
    private static void AddConveyorSessions(this IServiceCollection services, IConfiguration configuration)
    {
        var transcription = TranscriptionOptions.Bind(configuration);
        var problems = transcription.Validate().ToList();
        if (problems.Count > 0) throw new OptionsValidationException(TranscriptionOptions.Section, typeof(TranscriptionOptions), problems);
        services.AddSingleton(transcription);
        services.AddHttpClient(TranscriptionOptions.Section);
        services.AddSingleton<ITranscriptionEngine>(sp => TranscriptionEngines.Create(transcription,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(TranscriptionOptions.Section), sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IJobHandler, TranscriptionHandler>();
        services.AddSingleton<IJobHandler, SummarizationHandler>();
        services.AddSingleton<SessionService>();
    }

    public static IServiceCollection AddConveyorWorkers(this IServiceCollection services, IConfiguration configuration, string kind)
    {
        services.AddSingleton(WorkerIdentity.ForThisProcess());
        services.AddSingleton(new NodeKind(kind, typeof(ConveyorServices).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown"));
        services.AddSingleton<WorkerRuntime>();
        // Before the workers, so it stops after them: the row goes only once the node has handed its jobs back.
        services.AddSingleton<NodeHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeHeartbeat>());
        services.AddHostedService(sp => sp.GetRequiredService<WorkerRuntime>());
        // Every node is a candidate for leader; the maintenance services run on the leader only. Registered after the
        // workers, so they stop first: the leader resigns before the workers' grace period, and another node takes over.
        services.AddSingleton<LeaderElector>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaderElector>());
        services.AddSingleton<IMaintenanceService, JobRescuer>();
        services.AddSingleton<IMaintenanceService, PeriodicEnqueuer>();
        services.AddSingleton<IMaintenanceService, JobPruner>();
        services.AddSingleton<IMaintenanceService, UploadSweeper>();
        services.AddSingleton<IMaintenanceService, NodePruner>();
        services.AddHostedService<MaintenanceRunner>();
        var grace = configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>()?.ShutdownGrace ?? new WorkerOptions().ShutdownGrace;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = grace + TimeSpan.FromSeconds(15));
        return services;
    }
}
