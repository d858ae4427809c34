using System.Text;
using System.Text.Json;
using Conveyor.Core;
using Conveyor.Ingestion.Detection;
using Conveyor.Storage;

namespace Conveyor.Application.Tests;

/// <summary>Upload to job: <see cref="UploadService"/> on a real SQLite store and real files under the storage root.</summary>
public sealed class UploadServiceTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private ServicesOnSqlite _services = null!;

    public async Task InitializeAsync() => _services = await ServicesOnSqlite.StartAsync();

    public async Task DisposeAsync() => await _services.DisposeAsync();

    /// <summary>A file as the receiver leaves it: written under uploads/{id}/, sniffed from its bytes.</summary>
    private ReceivedFile Received(string name, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var (sniff, detection) = ContentDetector.Detect(bytes, complete: true);
        var id = Guid.CreateVersion7();
        var relative = $"uploads/{id}/{name}";
        var directory = Path.Combine(_services.Root.FullPath, "uploads", id.ToString());
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, name), bytes);
        return new ReceivedFile(id, relative, directory, bytes.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
            sniff, detection) { ClientName = name };
    }

    [Fact]
    public async Task Each_file_becomes_a_queued_job_of_the_sniffed_type_in_the_default_dataset()
    {
        var csv = Received("people.txt", "id,name\n1,Ada\n2,Grace\n");
        var ndjson = Received("events.json", "{\"a\":1}\n{\"a\":2}\n");

        var outcome = await _services.Uploads.CreateAsync([csv, ndjson], new UploadSettings(), UploadService.FileUpload,
            ServicesOnSqlite.As("job.upload"), Ct);

        Assert.Equal(OutcomeKind.Created, outcome.Kind);
        Assert.Equal([(csv.JobId, "csv"), (ndjson.JobId, "ndjson")], outcome.Value!.Select(j => (j.Id, j.Type)));
        var job = (await _services.Store.GetAsync(csv.JobId, Ct))!;
        Assert.Equal((JobStatus.Queued, "file_upload", "people.txt", (long?)csv.Size, "default", 0, 3),
            (job.Status, job.SourceType, job.FileName, job.FileSize, job.Dataset, job.Priority, job.MaxAttempts));
        Assert.Equal(ServicesOnSqlite.Actor, job.CreatedBy);
        var file = await ((IRecordStore)_services.Store).GetFileAsync(csv.JobId, Ct);
        Assert.Equal((csv.RelativePath, "people.txt", csv.Sha256, _services.Clock.GetUtcNow()),
            (file!.Path, file.OriginalName, file.Sha256, file.StoredAt));
        var detection = await ((IRecordStore)_services.Store).GetDetectionAsync(csv.JobId, Ct);
        Assert.Equal(["id", "name"], JsonDocument.Parse(detection!.Result).RootElement.GetProperty("columns").EnumerateArray()
            .Select(c => c.GetProperty("name").GetString()));
        var audit = Assert.Single(await _services.AuditEventsAsync());
        Assert.Equal(("job.upload", AuditOutcomes.Applied), (audit.Action, audit.Outcome));
    }

    [Fact]
    public async Task The_settings_apply_to_every_job_of_the_upload()
    {
        var metadata = JsonDocument.Parse("""{"batch":"b7"}""").RootElement.Clone();
        var outcome = await _services.Uploads.CreateAsync([Received("a.csv", "x\n1\n"), Received("b.csv", "y\n2\n")],
            new UploadSettings("imports", 12, metadata), UploadService.FileUpload, ServicesOnSqlite.As("job.upload"), Ct);

        Assert.All(outcome.Value!, j => Assert.Equal(("imports", 12, """{"batch":"b7"}"""), (j.Dataset, j.Priority, j.Metadata.GetRawText())));
    }

    [Fact]
    public async Task A_body_of_records_becomes_a_json_api_job_with_no_file_name()
    {
        var body = Received("body.json", """[{"a":1},{"a":2}]""") with { ClientName = null };

        var outcome = await _services.Uploads.CreateAsync([body], new UploadSettings(Priority: 2), UploadService.JsonApi,
            ServicesOnSqlite.As("job.ingest"), Ct);

        var job = Assert.Single(outcome.Value!);
        Assert.Equal(("json", "json_api", null, 2), (job.Type, job.SourceType, job.FileName, job.Priority));
    }

    [Fact]
    public async Task Invalid_settings_are_named_by_field_and_create_no_job()
    {
        var settings = new UploadSettings("not a dataset!", 1001, JsonDocument.Parse("[]").RootElement.Clone());

        var outcome = await _services.Uploads.CreateAsync([Received("a.csv", "x\n1\n")], settings, UploadService.FileUpload,
            ServicesOnSqlite.As("job.upload"), Ct);
        var empty = await _services.Uploads.CreateAsync([], new UploadSettings(), UploadService.FileUpload, ServicesOnSqlite.As("job.upload"), Ct);

        Assert.Equal(OutcomeKind.Invalid, outcome.Kind);
        Assert.Equal(["dataset", "metadata", "priority"], outcome.Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["dataset", "metadata", "priority"], UploadService.Validate(settings).Keys.Order(StringComparer.Ordinal));
        Assert.Equal("The request holds no file.", Assert.Single(empty.Errors!["file"]));
        Assert.Empty(await _services.AllJobsAsync());
        Assert.Equal([AuditOutcomes.Rejected, AuditOutcomes.Rejected], (await _services.AuditEventsAsync()).Select(e => e.Outcome));
    }
}
