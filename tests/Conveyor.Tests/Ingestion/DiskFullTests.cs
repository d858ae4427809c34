using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Ingestion;

public sealed class SqliteDiskFullTests(SqliteDiskFullFixture fixture) : DiskFull(fixture.Server), IClassFixture<SqliteDiskFullFixture>;

public sealed class PostgresDiskFullTests(PostgresDiskFullFixture fixture) : DiskFull(fixture.Server), IClassFixture<PostgresDiskFullFixture>;

/// <summary>
/// The disk fills up while a body streams to it: the answer is a 507 problem that names no path, and the request
/// leaves the jobs table and the storage root as they were, including files of the same request already stored.
/// </summary>
public abstract class DiskFull(TestServer server)
{
    private const int TooBig = 4 * DiskFullServerFixture.Capacity;

    private static byte[] Csv(int bytes) => Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", bytes / 4)));

    private static string JsonArray(int bytes) => "[" + string.Join(",", Enumerable.Repeat("{\"a\":1}", bytes / 8)) + "]";

    private static string Ndjson(int bytes) => string.Concat(Enumerable.Repeat("{\"a\":1}\n", bytes / 8));

    public static TheoryData<string> Cases() => new(Inputs.Keys);

    private static readonly Dictionary<string, Func<HttpClient, Task<(HttpStatusCode, JsonNode?, string)>>> Inputs = new()
    {
        ["upload of a file larger than the free space"] = c => c.UploadAsync([("big.csv", Csv(TooBig))]),
        ["upload of a file that fits, then one that does not"] = c => c.UploadAsync([("small.csv", Csv(1024)), ("big.csv", Csv(TooBig))]),
        ["ingest/json array larger than the free space"] = c => c.SendAsync(HttpMethod.Post, "/api/v1/ingest/json", JsonArray(TooBig)),
        ["ingest/json NDJSON larger than the free space"] = c =>
            c.SendAsync(HttpMethod.Post, "/api/v1/ingest/json", Ndjson(TooBig), "application/x-ndjson"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_full_disk_answers_507_and_leaves_no_job_and_no_file(string name)
    {
        var jobsBefore = await server.Database.CountAsync("jobs");
        var filesBefore = await server.Database.CountAsync("stored_files");
        var storedBefore = Uploads.StoredFiles(server.DataDirectory).Order().ToList();

        var (status, body, text) = await Inputs[name](server.Client);

        Assert.True(status == HttpStatusCode.InsufficientStorage, $"{name}: answered {status}: {text}");
        Assert.NotNull(body);
        Assert.Equal(507, body["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body["title"]?.GetValue<string>()));
        Assert.Contains("full", body["detail"]!.GetValue<string>());
        Assert.DoesNotContain(server.DataDirectory, text);
        Assert.DoesNotContain("No space left", text);
        Assert.DoesNotContain("Exception", text);
        Assert.Equal(jobsBefore, await server.Database.CountAsync("jobs"));
        Assert.Equal(filesBefore, await server.Database.CountAsync("stored_files"));
        Assert.Equal(storedBefore, Uploads.StoredFiles(server.DataDirectory).Order().ToList());
    }

    [Fact]
    public async Task A_file_that_fits_is_stored_through_the_same_disk()
    {
        var bytes = Csv(1024);

        var (status, body, text) = await server.Client.UploadAsync([("small.csv", bytes)]);

        Assert.True(status == HttpStatusCode.Created, text);
        var id = body!["items"]![0]!.Id();
        var stored = Assert.Single(Uploads.StoredFiles(server.DataDirectory), f => f.Contains(id.ToString()) && File.Exists(f));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(stored));
    }
}
