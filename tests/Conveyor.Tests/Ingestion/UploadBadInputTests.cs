using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Ingestion;

public sealed class SqliteUploadBadInputTests(SqliteIngestionFixture fixture) : UploadBadInput(fixture.Server), IClassFixture<SqliteIngestionFixture>;

public sealed class PostgresUploadBadInputTests(PostgresIngestionFixture fixture) : UploadBadInput(fixture.Server), IClassFixture<PostgresIngestionFixture>;

/// <summary>
/// Every refused upload answers its status with a problem body, and leaves the jobs table and the storage root
/// exactly as they were: no job, no file, no folder.
/// </summary>
public abstract class UploadBadInput(TestServer server)
{
    private static readonly byte[] Csv = Encoding.UTF8.GetBytes("a,b\n1,2\n");

    private static byte[] Tar()
    {
        var bytes = new byte[1024];
        Encoding.ASCII.GetBytes("data.csv").CopyTo(bytes, 0);
        Encoding.ASCII.GetBytes("ustar").CopyTo(bytes, 257);
        return bytes;
    }

    public static TheoryData<string> Cases() => new(Inputs.Keys);

    private static readonly Dictionary<string, (Func<HttpClient, Task<(HttpStatusCode, JsonNode?, string)>> Send, HttpStatusCode Status, string Says)> Inputs = new()
    {
        ["windows executable"] = (c => c.UploadAsync([("report.csv", [(byte)'M', (byte)'Z', 0x90, 0, .. Csv])]), HttpStatusCode.UnsupportedMediaType, "executable"),
        ["ELF executable"] = (c => c.UploadAsync([("data.csv", [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0])]), HttpStatusCode.UnsupportedMediaType, "Executable"),
        ["shell script"] = (c => c.UploadAsync([("data.csv", Encoding.UTF8.GetBytes("#!/bin/sh\nrm -rf /\n"))]), HttpStatusCode.UnsupportedMediaType, "Scripts"),
        ["zip archive"] = (c => c.UploadAsync([("data.csv", [(byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0])]), HttpStatusCode.UnsupportedMediaType, "zip"),
        ["tar archive"] = (c => c.UploadAsync([("data.csv", Tar())]), HttpStatusCode.UnsupportedMediaType, "tar"),
        ["gzip holding an executable"] = (c => c.UploadAsync([("data.csv.gz", Uploads.Gzip([(byte)'M', (byte)'Z', 0x90, 0, 1, 2, 3]))]), HttpStatusCode.UnsupportedMediaType, "gzip"),
        ["binary noise"] = (c => c.UploadAsync([("data.csv", Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray())]), HttpStatusCode.UnsupportedMediaType, "binary"),
        ["file over MaxFileBytes"] = (c => c.UploadAsync([("big.csv", Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", (int)IngestionServerFixture.MaxFileBytes / 4 + 10))))]), HttpStatusCode.RequestEntityTooLarge, "at most"),
        ["a good file then one over MaxFileBytes"] = (c => c.UploadAsync([("ok.csv", Csv), ("big.csv", Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", (int)IngestionServerFixture.MaxFileBytes / 4 + 10))))]), HttpStatusCode.RequestEntityTooLarge, "at most"),
        ["more files than MaxFiles"] = (c => c.UploadAsync(Enumerable.Range(0, IngestionServerFixture.MaxFiles + 1).Select(i => ($"f{i}.csv", Csv))), HttpStatusCode.RequestEntityTooLarge, "files"),
        ["a good file then an executable"] = (c => c.UploadAsync([("ok.csv", Csv), ("evil.csv", [(byte)'M', (byte)'Z', 0, 0])]), HttpStatusCode.UnsupportedMediaType, "executable"),
        ["not multipart"] = (c => c.SendAsync(HttpMethod.Post, "/api/v1/upload", "a,b\n1,2\n", "text/csv"), HttpStatusCode.UnsupportedMediaType, "multipart"),
        ["no file"] = (c => c.UploadAsync([], new Dictionary<string, string> { ["dataset"] = "x" }), HttpStatusCode.BadRequest, "no file"),
        ["unknown form field"] = (c => c.UploadAsync([("ok.csv", Csv)], new Dictionary<string, string> { ["colour"] = "red" }), HttpStatusCode.BadRequest, "colour"),
        ["bad dataset name"] = (c => c.UploadAsync([("ok.csv", Csv)], new Dictionary<string, string> { ["dataset"] = "../etc" }), HttpStatusCode.BadRequest, ""),
        ["priority not a number"] = (c => c.UploadAsync([("ok.csv", Csv)], new Dictionary<string, string> { ["priority"] = "high" }), HttpStatusCode.BadRequest, ""),
        ["metadata not an object"] = (c => c.UploadAsync([("ok.csv", Csv)], new Dictionary<string, string> { ["metadata"] = "[1]" }), HttpStatusCode.BadRequest, ""),
        ["ingest/json with a CSV body"] = (c => c.SendAsync(HttpMethod.Post, "/api/v1/ingest/json", "a,b\n1,2\n", "application/json"), HttpStatusCode.UnsupportedMediaType, "JSON array"),
        ["ingest/json as text/plain"] = (c => c.SendAsync(HttpMethod.Post, "/api/v1/ingest/json", "[{\"a\":1}]", "text/plain"), HttpStatusCode.UnsupportedMediaType, "application/json"),
        ["ingest/json over MaxFileBytes"] = (c => c.SendAsync(HttpMethod.Post, "/api/v1/ingest/json", "[" + string.Join(",", Enumerable.Repeat("{\"a\":1}", (int)IngestionServerFixture.MaxFileBytes / 8 + 10)) + "]", "application/json"), HttpStatusCode.RequestEntityTooLarge, "at most"),
        ["ingest/json with a bad dataset"] = (c => c.SendAsync(HttpMethod.Post, "/api/v1/ingest/json?dataset=a%2Fb", "[{\"a\":1}]", "application/json"), HttpStatusCode.BadRequest, ""),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_refused_upload_leaves_no_job_and_no_file(string name)
    {
        var (send, expected, says) = Inputs[name];
        var jobsBefore = await server.Database.CountAsync("jobs");
        var filesBefore = await server.Database.CountAsync("stored_files");
        var storedBefore = Uploads.StoredFiles(server.DataDirectory).Order().ToList();

        var (status, body, text) = await send(server.Client);

        Assert.True(status == expected, $"{name}: answered {status}: {text}");
        Assert.NotNull(body);
        Assert.Equal((int)expected, body["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body["title"]?.GetValue<string>()));
        var detail = body["detail"]!.GetValue<string>();
        Assert.Contains(says, detail + (body["errors"]?.ToJsonString() ?? ""), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(server.DataDirectory, text);
        Assert.Equal(jobsBefore, await server.Database.CountAsync("jobs"));
        Assert.Equal(filesBefore, await server.Database.CountAsync("stored_files"));
        Assert.Equal(storedBefore, Uploads.StoredFiles(server.DataDirectory).Order().ToList());
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_upload_leaves_no_job_and_no_file()
    {
        var jobsBefore = await server.Database.CountAsync("jobs");
        var before = Uploads.StoredFiles(server.DataDirectory).ToHashSet();
        var boundary = "----conveyor" + Guid.NewGuid().ToString("N");
        var head = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.csv\"\r\n" +
            "Content-Type: text/csv\r\n\r\n");
        var rows = Encoding.ASCII.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", 40_000)));
        var address = server.Client.BaseAddress!;
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(address.Host, address.Port);
            var stream = socket.GetStream();
            var request = Encoding.ASCII.GetBytes($"POST /api/v1/upload HTTP/1.1\r\nHost: {address.Authority}\r\n" +
                $"Authorization: Bearer {server.AdminKey}\r\n" +
                $"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {head.Length + rows.Length + 400_000}\r\n\r\n");
            await stream.WriteAsync(request);
            await stream.WriteAsync(head);
            await stream.WriteAsync(rows);
            await stream.FlushAsync();
            // The server has the file open once a new folder appears under uploads/.
            await Eventually.WaitAsync(() => Task.FromResult(Uploads.StoredFiles(server.DataDirectory).Count(f => !before.Contains(f))),
                n => n > 0, TimeSpan.FromSeconds(30), "the upload to start writing its file");
            socket.Client.LingerState = new LingerOption(true, 0);
        }
        await Eventually.WaitAsync(() => Task.FromResult(Uploads.StoredFiles(server.DataDirectory).Count(f => !before.Contains(f))),
            n => n == 0, TimeSpan.FromSeconds(30), "the cut-off upload's file and folder to be removed");
        Assert.Equal(jobsBefore, await server.Database.CountAsync("jobs"));
    }

    [Theory]
    [InlineData("https://evil.example.com/data.csv", "not in Conveyor:Sources:AllowedHosts")]
    [InlineData("ftp://data.example.org/data.csv", "http or https")]
    public async Task A_url_source_from_a_host_not_allowed_is_refused_at_create_time(string uri, string says)
    {
        var jobsBefore = await server.Database.CountAsync("jobs");
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/jobs",
            $$"""{"type":"csv","source_type":"url","source_uri":"{{uri}}"}""");
        Assert.True(status == HttpStatusCode.BadRequest, text);
        Assert.Contains(says, body!["errors"]!["source_uri"]![0]!.GetValue<string>());
        Assert.Equal(jobsBefore, await server.Database.CountAsync("jobs"));
    }

    [Fact]
    public async Task An_allowed_url_source_on_a_private_address_is_refused_at_create_time()
    {
        // 10.0.0.1 is in the fixture's AllowedHosts, but a private address still needs AllowPrivateAddresses.
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/jobs",
            """{"type":"csv","source_uri":"http://10.0.0.1/data.csv"}""");
        Assert.True(status == HttpStatusCode.BadRequest, text);
        Assert.Contains("private address", body!["errors"]!["source_uri"]![0]!.GetValue<string>());
    }
}
