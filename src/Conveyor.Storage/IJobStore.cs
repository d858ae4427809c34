namespace Conveyor.Storage;

/// <summary>
/// Everything a driver implements for jobs, as one type to register. Every state change and its <c>job_events</c> row
/// commit together, and every change moves <c>updated_at</c>. A call on behalf of a person takes an
/// <see cref="AuditContext"/>: its <c>audit_events</c> row (with the outcome the store decided) commits in the same
/// transaction, and the job events it causes carry its id. Consumers depend on the part they use.
/// </summary>
public interface IJobStore : IStoreLifecycle, IJobReader, IJobAdmin, IJobQueue, IJobMaintenance;
