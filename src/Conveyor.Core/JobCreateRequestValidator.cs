using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Conveyor.Core;

/// <summary>Field-by-field validation of a <see cref="JobCreateRequest"/>; errors are keyed by wire name.</summary>
public static partial class JobCreateRequestValidator
{
    public const int MinPriority = -1000;
    public const int MaxPriority = 1000;

    [GeneratedRegex("^[a-z][a-z0-9_.-]{0,63}$")]
    private static partial Regex WordPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex DatasetPattern();

    // \u0000 as an escape, not the text of one ("\\u0000" is a backslash and "u0000"): an even run of backslashes before it.
    [GeneratedRegex(@"(?<!\\)(?:\\\\)*\\u0000")]
    private static partial Regex NulEscape();

    /// <summary>Whether <paramref name="type"/> is a job type's name: a lowercase word of at most 64 characters.</summary>
    public static bool IsTypeName(string type) => WordPattern().IsMatch(type);

    /// <summary>Validates <paramref name="request"/>; <paramref name="isKnownType"/> says whether a handler exists.</summary>
    public static Dictionary<string, string[]> Validate(JobCreateRequest request, Func<string, bool> isKnownType)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];

        if (string.IsNullOrWhiteSpace(request.Type))
        {
            Add("type", "The type is required.");
        }
        else if (!WordPattern().IsMatch(request.Type))
        {
            Add("type", "The type must be a lowercase word of at most 64 characters (a-z, 0-9, '_', '.', '-').");
        }
        else if (!isKnownType(request.Type))
        {
            Add("type", $"No handler is registered for type '{request.Type}'.");
        }

        if (request.SourceType is { } sourceType && !WordPattern().IsMatch(sourceType))
        {
            Add("source_type", "The source type must be a lowercase word such as 'csv_upload' or 'json_api'.");
        }

        if (request.SourceUri is { } uri)
        {
            if (uri.Length > 2048)
                Add("source_uri", "The source URI must be at most 2048 characters.");
            else if (uri.Any(char.IsControl) || !Uri.TryCreate(uri, UriKind.Absolute, out _))
                Add("source_uri", "The source URI must be an absolute URI.");
        }

        CheckText(request.FileName, "file_name", 255, Add);
        CheckText(request.MimeType, "mime_type", 255, Add);

        if (request.FileSize is < 0)
            Add("file_size", "The file size cannot be negative.");

        CheckSettings(request.Mode, request.Priority, request.Metadata, request.Dataset, request.MaxAttempts, Add);
        return errors;
    }

    /// <summary>
    /// Validates what a caller may choose about how a job runs, the fields a create shares with retry's
    /// <c>config_override</c> and an upload's form fields; errors are keyed by wire name.
    /// </summary>
    public static Dictionary<string, string[]> ValidateSettings(string? mode, int? priority, JsonElement? metadata, string? dataset,
        int? maxAttempts)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        CheckSettings(mode, priority, metadata, dataset, maxAttempts,
            (field, message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message]);
        return errors;
    }

    private static void CheckSettings(string? mode, int? priority, JsonElement? metadata, string? dataset, int? maxAttempts,
        Action<string, string> add)
    {
        CheckText(mode, "mode", 64, add);

        if (priority is < MinPriority or > MaxPriority)
            add("priority", $"The priority must be between {MinPriority} and {MaxPriority}.");

        if (maxAttempts is < 1 or > JobDefaults.MaxAttemptsLimit)
            add("max_attempts", $"max_attempts must be between 1 and {JobDefaults.MaxAttemptsLimit}.");

        if (dataset is not null && !DatasetPattern().IsMatch(dataset))
            add("dataset", "The dataset name must be 1-128 characters of letters, digits, '_', '.' or '-'.");

        if (metadata is { } value)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                // null means "no metadata", the same as leaving it out.
            }
            else if (value.ValueKind != JsonValueKind.Object)
                add("metadata", "The metadata must be a JSON object.");
            else if (Encoding.UTF8.GetByteCount(value.GetRawText()) > JobDefaults.MaxMetadataBytes)
                add("metadata", $"The metadata must be at most {JobDefaults.MaxMetadataBytes} bytes.");
            else if (NulEscape().IsMatch(value.GetRawText()))
                // PostgreSQL's jsonb cannot hold a NUL character; refuse it on every store alike.
                add("metadata", "The metadata cannot contain NUL characters (\\u0000).");
        }
    }

    private static void CheckText(string? value, string field, int max, Action<string, string> add)
    {
        if (value is null) return;
        if (value.Length > max)
            add(field, $"The {field.Replace('_', ' ')} must be at most {max} characters.");
        else if (value.Any(DisplayText.IsUnsafe))
            add(field, $"The {field.Replace('_', ' ')} cannot contain control or format characters.");
    }
}
