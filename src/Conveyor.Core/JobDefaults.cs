namespace Conveyor.Core;

/// <summary>Defaults and limits shared by every surface that creates or lists jobs.</summary>
public static class JobDefaults
{
    public const int MaxAttempts = 3;
    public const int MaxAttemptsLimit = 100;
    public const int PageSize = 20;
    public const int MaxPageSize = 100;
    public const int MaxBatchSize = 1000;
    public const int MaxTypeLength = 64;
    public const int MaxTextLength = 1024;
    public const int MaxMetadataBytes = 64 * 1024;
}
