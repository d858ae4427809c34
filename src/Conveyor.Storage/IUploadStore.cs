using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>What the upload endpoints write: jobs created together with their stored files.</summary>
public interface IUploadStore
{
    /// <summary>Creates queued jobs together with their stored files (and detection results) in one transaction.</summary>
    Task<IReadOnlyList<Core.Job>> CreateWithFilesAsync(IReadOnlyList<NewUpload> uploads, AuditContext audit, CancellationToken ct);
}
