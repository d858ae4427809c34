namespace Conveyor.Audit;

/// <summary>The <c>action</c> vocabulary of <c>audit_events</c> (SPEC §6).</summary>
public static class AuditActions
{
    public const string JobCreate = "job.create";
    public const string JobCreateBatch = "job.create_batch";
    public const string JobUpload = "job.upload";
    public const string JobIngest = "job.ingest";
    public const string JobCancel = "job.cancel";
    public const string JobRequeue = "job.requeue";
    public const string JobRetryAsNew = "job.retry_as_new";
    public const string JobBulk = "job.bulk";
    public const string IngestionRetry = "ingestion.retry";
    public const string SessionCreate = "session.create";
    public const string KeyCreate = "key.create";
    public const string KeyRevoke = "key.revoke";
    public const string AuthDenied = "auth.denied";
    public const string TypePause = "type.pause";
    public const string TypeResume = "type.resume";
}
