using System.Text;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Ingestion;

public sealed class SqliteUrlSourceTests(SqliteUrlSourceFixture fixture) : UrlSource(fixture.Server, fixture.Source), IClassFixture<SqliteUrlSourceFixture>;

public sealed class PostgresUrlSourceTests(PostgresUrlSourceFixture fixture) : UrlSource(fixture.Server, fixture.Source), IClassFixture<PostgresUrlSourceFixture>;

/// <summary>
/// Jobs whose <c>source_uri</c> is an http URL, fetched by a real worker from a real server on loopback: the rows
/// read back equal the file; a redirect off the host fails the job with a clear, safe error and loads nothing; and
/// the fetched copy is gone once the job is over, either way.
/// </summary>
public abstract class UrlSource(TestServer server, HttpSource source)
{
    private static readonly string[][] People =
    [
        ["id", "name", "note"],
        ["1", "Ann", "plain"],
        ["2", "Bob, Jr.", "has \"quotes\""],
        ["3", "Cy", "two\nlines"],
    ];

    private static readonly byte[] PeopleCsv = Encoding.UTF8.GetBytes(
        "id,name,note\r\n1,Ann,plain\r\n2,\"Bob, Jr.\",\"has \"\"quotes\"\"\"\r\n3,Cy,\"two\nlines\"\r\n");

    [Fact]
    public async Task A_url_source_is_fetched_by_a_worker_and_its_rows_read_back_equal_to_the_file()
    {
        var path = $"/{Guid.NewGuid():N}/people.csv";
        source.Serve(path, PeopleCsv);

        var (done, dataset, leftBehind) = await RunAsync(source.Url(path));

        Assert.True(done.Status() == "succeeded", done.ToJsonString());
        Assert.Equal(3, done["records_processed"]!.GetValue<long>());
        AssertRows(await server.Client.RecordsAsync($"/api/v1/jobs/{done.Id()}/records"));
        AssertRows(await server.Client.RecordsAsync($"/api/v1/datasets/{dataset}/records"));
        Assert.Single(source.Requests, r => r == path);
        Assert.Empty(leftBehind);
    }

    [Fact]
    public async Task A_redirect_on_the_same_host_is_followed()
    {
        var path = $"/{Guid.NewGuid():N}/people.csv";
        var moved = $"/{Guid.NewGuid():N}/moved";
        source.Serve(path, PeopleCsv);
        source.Redirect(moved, path);

        var (done, _, leftBehind) = await RunAsync(source.Url(moved));

        Assert.True(done.Status() == "succeeded", done.ToJsonString());
        AssertRows(await server.Client.RecordsAsync($"/api/v1/jobs/{done.Id()}/records"));
        Assert.Equal([moved, path], source.Requests.Where(r => r == moved || r == path));
        Assert.Empty(leftBehind);
    }

    public static TheoryData<string> OtherHosts() => new()
    {
        // The same server by another name that is also allowed: only the same-host rule stops it.
        "localhost",
        // Not on the list.
        "elsewhere.invalid",
        // A private address (allowed by this server's settings, but never by a redirect).
        "10.0.0.1",
    };

    [Theory]
    [MemberData(nameof(OtherHosts))]
    public async Task A_redirect_to_another_host_fails_the_job_with_a_clear_error_and_loads_nothing(string host)
    {
        var path = $"/{Guid.NewGuid():N}/people.csv";
        var away = $"/{Guid.NewGuid():N}/away";
        source.Serve(path, PeopleCsv);
        source.Redirect(away, source.Url(path, host));

        var (done, dataset, leftBehind) = await RunAsync(source.Url(away));

        Assert.True(done.Status() == "failed", done.ToJsonString());
        var error = done["error"]!.GetValue<string>();
        Assert.Contains("redirects keep the scheme, host and port", error);
        Assert.DoesNotContain(server.DataDirectory, error);
        Assert.DoesNotContain(" at ", error);
        Assert.DoesNotContain(path, source.Requests);
        Assert.Equal(0, await server.Database.CountAsync("records", "job_id = @id", done.Id()));
        Assert.Empty(await server.Client.RecordsAsync($"/api/v1/datasets/{dataset}/records"));
        Assert.Empty(leftBehind);
    }

    [Theory]
    [InlineData("another port")]
    [InlineData("https on the same host")]
    public async Task A_redirect_to_another_port_or_scheme_fails_the_job_and_asks_nothing_there(string where)
    {
        // Another service on the same address, with data of its own.
        await using var other = await HttpSource.StartAsync();
        var path = $"/{Guid.NewGuid():N}/secret.csv";
        other.Serve(path, PeopleCsv);
        var away = $"/{Guid.NewGuid():N}/away";
        source.Redirect(away, where == "another port" ? other.Url(path) : $"https://127.0.0.1:{other.Port}{path}");

        var (done, dataset, leftBehind) = await RunAsync(source.Url(away));

        Assert.True(done.Status() == "failed", done.ToJsonString());
        Assert.Contains("redirects keep the scheme, host and port", done["error"]!.GetValue<string>());
        Assert.Empty(other.Requests);
        Assert.Empty(await server.Client.RecordsAsync($"/api/v1/datasets/{dataset}/records"));
        Assert.Empty(leftBehind);
    }

    [Theory]
    [InlineData("cut off mid-body", "")]
    [InlineData("not loadable", "cannot be loaded")]
    public async Task A_failed_fetch_or_load_leaves_no_fetched_copy_and_no_rows(string how, string says)
    {
        var path = $"/{Guid.NewGuid():N}/data.csv";
        var rows = Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", 50_000)));
        if (how == "cut off mid-body") source.ServeCutOff(path, rows);
        else source.Serve(path, [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, .. new byte[4096]], "application/octet-stream");

        var (done, _, leftBehind) = await RunAsync(source.Url(path));

        Assert.True(done.Status() == "failed", done.ToJsonString());
        Assert.Contains(says, done["error"]!.GetValue<string>());
        Assert.Single(source.Requests, r => r == path);
        Assert.Equal(0, await server.Database.CountAsync("records", "job_id = @id", done.Id()));
        Assert.Empty(leftBehind);
    }

    /// <summary>Creates a one-attempt csv job for <paramref name="uri"/> and waits for it; also what it left in fetched/.</summary>
    private async Task<(JsonNode Done, string Dataset, string[] LeftBehind)> RunAsync(string uri)
    {
        var before = FetchedFiles();
        var dataset = "url_" + Guid.NewGuid().ToString("N")[..12];
        var job = await server.Client.CreateJobAsync(new
        {
            type = "csv", source_type = "url", source_uri = uri, dataset, max_attempts = 1,
        });
        var done = await server.Client.FinishedAsync(job.Id(), TimeSpan.FromSeconds(30));
        return (done, dataset, FetchedFiles().Except(before).ToArray());
    }

    private static void AssertRows(List<JsonObject> rows)
    {
        Assert.Equal(People.Length - 1, rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            Assert.Equal(People[0], rows[r].Select(p => p.Key));
            Assert.Equal(People[r + 1], rows[r].Select(p => p.Value!.GetValue<string>()));
        }
    }

    private string[] FetchedFiles()
    {
        var fetched = Path.Combine(server.DataDirectory, "fetched");
        return Directory.Exists(fetched) ? Directory.GetFileSystemEntries(fetched) : [];
    }
}

/// <summary>
/// An allowed host name that resolves only to private addresses, when they are not allowed: the create-time check
/// cannot see the address, so the worker must refuse at connect time, before a byte is asked for. Every redirect
/// hop connects the same way, so this also covers a same-host redirect that lands on a private address.
/// </summary>
public sealed class UrlSourcePrivateAddressTests(PrivateAddressesRefusedFixture fixture) : IClassFixture<PrivateAddressesRefusedFixture>
{
    [Fact]
    public async Task An_allowed_host_that_resolves_to_a_private_address_is_refused_by_the_worker()
    {
        var server = fixture.Server;
        var path = $"/{Guid.NewGuid():N}/people.csv";
        fixture.Source.Serve(path, "a,b\n1,2\n"u8.ToArray());
        var job = await server.Client.CreateJobAsync(new
        {
            type = "csv", source_type = "url", source_uri = fixture.Source.Url(path, "localhost"), max_attempts = 1,
        });

        var done = await server.Client.FinishedAsync(job.Id(), TimeSpan.FromSeconds(30));

        Assert.True(done.Status() == "failed", done.ToJsonString());
        Assert.Contains("resolves only to private addresses", done["error"]!.GetValue<string>());
        Assert.Empty(fixture.Source.Requests);
        Assert.Equal(0, await server.Database.CountAsync("records", "job_id = @id", job.Id()));
    }
}
