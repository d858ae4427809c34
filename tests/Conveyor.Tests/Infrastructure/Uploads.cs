using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Conveyor.Tests.Infrastructure;

/// <summary>Uploading files and waiting for their jobs, for the ingestion tests.</summary>
public static class Uploads
{
    public static async Task<(HttpStatusCode Status, JsonNode? Body, string Text)> UploadAsync(this HttpClient client,
        IEnumerable<(string FileName, byte[] Bytes)> files, IDictionary<string, string>? fields = null)
    {
        using var content = new MultipartFormDataContent();
        foreach (var (name, value) in fields ?? new Dictionary<string, string>()) content.Add(new StringContent(value), name);
        foreach (var (fileName, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(part, "file", fileName);
        }
        using var response = await client.PostAsync("/api/v1/upload", content);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 && (response.Content.Headers.ContentType?.MediaType?.Contains("json") ?? false) ? JsonNode.Parse(text) : null;
        return (response.StatusCode, body, text);
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>Waits until the job is finished (succeeded, failed or cancelled) and returns it.</summary>
    public static Task<JsonNode> FinishedAsync(this HttpClient client, Guid id, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(async () => (await client.GetJobAsync(id))!,
            job => job.Status() is "succeeded" or "failed" or "cancelled", timeout ?? TimeSpan.FromSeconds(60), $"job {id} to finish");

    /// <summary>Every loaded row of a job, following next_cursor.</summary>
    public static async Task<List<JsonObject>> RecordsAsync(this HttpClient client, string path)
    {
        var rows = new List<JsonObject>();
        var next = path + (path.Contains('?') ? "&" : "?") + "limit=2";
        while (true)
        {
            var page = JsonNode.Parse(await client.GetStringAsync(next))!;
            rows.AddRange(page["items"]!.AsArray().Select(i => i!["data"]!.AsObject()));
            var cursor = page["next_cursor"]?.GetValue<string>();
            if (cursor is null) return rows;
            next = path + (path.Contains('?') ? "&" : "?") + $"limit=2&cursor={cursor}";
        }
    }

    /// <summary>The files under a storage root's uploads folder.</summary>
    public static string[] StoredFiles(string dataDirectory)
    {
        var uploads = Path.Combine(dataDirectory, "uploads");
        return Directory.Exists(uploads) ? Directory.GetFileSystemEntries(uploads, "*", SearchOption.AllDirectories) : [];
    }
}
