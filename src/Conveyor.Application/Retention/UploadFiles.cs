using Conveyor.Ingestion;
using Microsoft.Extensions.Logging;

namespace Conveyor.Application.Retention;

/// <summary>Removes a stored file and its <c>uploads/{uuid}</c> directory once empty; a file already gone is fine.</summary>
internal static partial class UploadFiles
{
    public static void Delete(StorageRoot root, string relative, ILogger logger)
    {
        try
        {
            var full = root.Resolve(relative);
            File.Delete(full);
            var directory = Path.GetDirectoryName(full);
            if (directory is not null && Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any()) Directory.Delete(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            NotDeleted(logger, e, relative);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete stored file {Path}")]
    private static partial void NotDeleted(ILogger logger, Exception exception, string path);
}
