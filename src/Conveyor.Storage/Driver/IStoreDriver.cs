namespace Conveyor.Storage.Driver;

/// <summary>
/// What a database driver offers the orchestration (<see cref="StoreOrchestration"/>): write transactions to compose
/// operations in, and the in-process hub its wake-ups fan out through. After River's <c>riverdriver.Driver</c>.
/// </summary>
public interface IStoreDriver
{
    /// <summary>
    /// Opens a write transaction. On PostgreSQL it costs no round trip (BEGIN travels with the first read); on SQLite
    /// it takes the process's write lock and <c>BEGIN IMMEDIATE</c>. Disposing it uncommitted rolls it back.
    /// </summary>
    Task<IDriverTransaction> BeginAsync(CancellationToken ct);

    /// <summary>The hub that wakes this process's claim loops; the orchestration signals it after a commit that made work due.</summary>
    QueueSignalHub Signals { get; }
}
