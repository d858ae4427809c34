namespace Conveyor.Web;

/// <summary>How the dashboard abbreviates a job id: its last 8 hex digits (ids are UUIDv7, whose first digits are the time, shared by neighbours).</summary>
public static class JobIds
{
    public static string Short(Guid id) => "…" + id.ToString("N")[^8..];
}
