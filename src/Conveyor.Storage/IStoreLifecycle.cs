namespace Conveyor.Storage;

/// <summary>The store's own upkeep: migrations at start-up and the readiness probe.</summary>
public interface IStoreLifecycle
{
    /// <summary>Applies the embedded migrations that this database does not have yet.</summary>
    Task MigrateAsync(CancellationToken ct);

    /// <summary>Checks that the store answers (for <c>/health/ready</c>).</summary>
    Task PingAsync(CancellationToken ct);
}
