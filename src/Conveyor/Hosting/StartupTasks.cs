using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Storage;
using Microsoft.Extensions.Options;

namespace Conveyor.Hosting;

/// <summary>
/// Runs before anything else starts: applies migrations (on PostgreSQL under an advisory lock) and, when
/// <paramref name="createBootstrapKey"/> is set and no key exists, creates the first admin key and prints it once.
/// </summary>
public sealed class StartupTasks(IStoreLifecycle store, IApiKeyAdmin keys, IApiKeyLookup lookup, IOptions<ConveyorOptions> options, TimeProvider time,
    ILogger<StartupTasks> logger, bool createBootstrapKey) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken);
        if (!createBootstrapKey || await keys.CountKeysAsync(cancellationToken) > 0) return;

        var configured = options.Value.Auth.BootstrapAdminKey;
        var key = string.IsNullOrWhiteSpace(configured) ? ApiKeyGenerator.NewKey() : configured.Trim();
        // Its shape was checked with the other settings (AuthOptions.Validate), before anything started.
        var record = ApiKeyGenerator.Record(key, "bootstrap admin", "admin", time.GetUtcNow());
        try
        {
            await keys.InsertKeyAsync(record, AuditContext.System("key.create") with { Details = KeyAuditDetails.Of(record) },
                cancellationToken);
        }
        catch (Exception)
        {
            // Nodes started together on an empty store with the same configured key: another one stored it first.
            if (await lookup.FindKeyByPrefixAsync(record.Prefix, cancellationToken) is { } existing && existing.Hash == record.Hash) return;
            throw;
        }
        logger.LogInformation("Created the bootstrap admin key {Prefix}", ApiKeyGenerator.PrefixOf(key));
        if (string.IsNullOrWhiteSpace(configured))
        {
            // Straight to the console, never through a logger: log sinks must not see the key.
            Console.Out.WriteLine($"Admin key (shown once, keep it safe): {key}");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
