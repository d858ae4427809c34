using Conveyor.Ingestion;
using Conveyor.Storage;
using Conveyor.Workers.Maintenance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Application.Retention;

/// <summary>
/// Sweeps <c>uploads/</c> (a maintenance service, so only the leader runs it): a directory older than
/// <see cref="RetentionOptions.OrphanAge"/> none of whose files is a job's stored file is left over by an upload that
/// never committed (a node killed mid-upload, a refused request) or by a prune that died before its files went, and is
/// deleted. Always on, whatever <see cref="RetentionOptions.Days"/> says.
/// </summary>
public sealed partial class UploadSweeper(IJobRetention store, StorageRoot root, IOptions<RetentionOptions> options, TimeProvider time,
    ILogger<UploadSweeper> logger) : IMaintenanceService
{
    private const int BatchSize = 500;

    public string Name => "upload-sweeper";

    public TimeSpan Interval => options.Value.Interval;

    public async Task RunOnceAsync(CancellationToken ct)
    {
        var uploads = Path.Combine(root.FullPath, "uploads");
        if (!Directory.Exists(uploads)) return;
        var cutoff = time.GetUtcNow() - options.Value.OrphanAge;
        var swept = 0;
        foreach (var chunk in Directory.EnumerateDirectories(uploads)
                     .Where(d => Guid.TryParse(Path.GetFileName(d), out _) && LastWrite(d) < cutoff.UtcDateTime)
                     .Chunk(BatchSize))
        {
            var files = chunk.ToDictionary(d => d, d => Directory.EnumerateFiles(d).Select(f => Path.GetRelativePath(root.FullPath, f)).ToList());
            var stored = (await store.FindStoredPathsAsync(files.Values.SelectMany(f => f).ToList(), ct)).ToHashSet(StringComparer.Ordinal);
            foreach (var (directory, paths) in files)
            {
                if (paths.Any(stored.Contains)) continue;
                try
                {
                    Directory.Delete(directory, recursive: true);
                    swept++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    NotSwept(logger, e, directory);
                }
            }
        }
        if (swept > 0) Swept(logger, swept);
    }

    /// <summary>The newest write in the directory (a file still being written keeps it young).</summary>
    private static DateTime LastWrite(string directory) =>
        Directory.EnumerateFiles(directory).Select(File.GetLastWriteTimeUtc).Append(Directory.GetLastWriteTimeUtc(directory)).Max();

    [LoggerMessage(Level = LogLevel.Information, Message = "Swept {Count} orphaned upload directories")]
    private static partial void Swept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sweep upload directory {Directory}")]
    private static partial void NotSwept(ILogger logger, Exception exception, string directory);
}
