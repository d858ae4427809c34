namespace Conveyor.Api.Seeds;

/// <summary>
/// The answer to seed 003's retry: the job as it now is, whether the retry changed it (<c>applied</c>) or it was
/// already queued or running (<c>no_op</c>), and the id of the audit event that records it (the job event links it too).
/// </summary>
public sealed record IngestionRetryResource(IngestionJobResource Job, string Outcome, Guid AuditId);
