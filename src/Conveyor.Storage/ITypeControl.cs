using Conveyor.Core;

namespace Conveyor.Storage;

/// <summary>The pause switch of each job type, shared by every node; each change writes one audit event.</summary>
public interface ITypeControl
{
    /// <summary>
    /// Pauses <paramref name="type"/>; true when it was running before (false: already paused, a no-op). Once this
    /// returns, no claim on any node starts a job of the type.
    /// </summary>
    Task<bool> PauseTypeAsync(string type, AuditContext audit, CancellationToken ct);

    /// <summary>Resumes <paramref name="type"/>; true when it was paused.</summary>
    Task<bool> ResumeTypeAsync(string type, AuditContext audit, CancellationToken ct);

    /// <summary>Every paused type, by name.</summary>
    Task<IReadOnlyList<TypePause>> ListPausedTypesAsync(CancellationToken ct);
}
