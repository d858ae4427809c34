using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Conveyor.Api;
using Conveyor.Api.Json;
using Conveyor.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests;

/// <summary>Workers, a high per-key rate limit (the walk sends about a thousand requests) and URL sources off.</summary>
public abstract class HostileWalkFixture(Provider provider) : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(provider, new Dictionary<string, string>
    {
        ["Conveyor:Workers:Count"] = "2",
        ["Conveyor:Workers:ProgressFlushInterval"] = "00:00:00.100",
        ["Conveyor:Workers:RetryBaseDelay"] = "00:00:00.100",
        ["Conveyor:Auth:RequestsPerKeyPerSecond"] = "100000",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class SqliteHostileWalkFixture() : HostileWalkFixture(Provider.Sqlite);

public sealed class PostgresHostileWalkFixture() : HostileWalkFixture(Provider.Postgres);

public sealed class SqliteHostileWalkTests(SqliteHostileWalkFixture fixture) : HostileWalk(fixture.Server), IClassFixture<SqliteHostileWalkFixture>;

public sealed class PostgresHostileWalkTests(PostgresHostileWalkFixture fixture) : HostileWalk(fixture.Server), IClassFixture<PostgresHostileWalkFixture>;

/// <summary>
/// Walks every route the app maps, generated from its endpoints (methods, route values, the request type of its body,
/// the query parameters it declares), with hostile values in every string field of the body, every declared query
/// parameter, the route values and the headers: lone surrogates, invalid UTF-8, NUL and other control characters,
/// bidi overrides, very long text; and, for every body, a duplicate property, an unknown field, 10,000 levels of
/// nesting and a chunked body past the limit. No answer is a 5xx; a refused request stores no job, key or file;
/// and afterwards every list, job, dataset and export still reads back 200.
/// </summary>
public abstract class HostileWalk(TestServer server)
{
    private const string Placeholder = "__HOSTILE__";

    /// <summary>Raw bytes put between the quotes of a JSON string.</summary>
    private static readonly (string Name, byte[] Bytes)[] JsonStrings =
    [
        ("lone high surrogate", "\\ud800"u8.ToArray()),
        ("lone low surrogate", "x\\udc00y"u8.ToArray()),
        ("reversed pair", "\\udc00\\ud800"u8.ToArray()),
        ("invalid UTF-8", [0xff, 0xfe, (byte)'a']),
        ("truncated UTF-8", [(byte)'a', 0xc3]),
        ("UTF-8-encoded surrogate", [0xed, 0xa0, 0x80]),
        ("escaped NUL", "a\\u0000b"u8.ToArray()),
        ("raw NUL", [(byte)'a', 0, (byte)'b']),
        ("escaped ESC", "\\u001b[31mred"u8.ToArray()),
        ("raw ESC", [0x1b, (byte)'[', (byte)'3', (byte)'1', (byte)'m']),
        ("bidi override", Encoding.UTF8.GetBytes("evil\u202Etxt.csv")),
        ("10,000 characters", Encoding.ASCII.GetBytes(new string('a', 10_000))),
    ];

    /// <summary>Percent-encoded values for query parameters and route values.</summary>
    private static readonly (string Name, string Encoded)[] UrlValues =
    [
        ("UTF-8-encoded surrogate", "%ED%A0%80"),
        ("invalid UTF-8", "%FF%FEa"),
        ("truncated UTF-8", "a%C3"),
        ("NUL", "a%00b"),
        ("ESC", "%1B%5B31m"),
        ("bidi override", "evil%E2%80%AEtxt"),
        ("JSON with a lone surrogate", "%7B%22a%22%3A%22%5Cud800%22%7D"),
        ("10,000 characters", new string('a', 10_000)),
    ];

    /// <summary>Raw header value bytes.</summary>
    private static readonly (string Name, byte[] Bytes)[] HeaderValues =
    [
        ("invalid UTF-8", [0xff, 0xfe, (byte)'a']),
        ("UTF-8-encoded surrogate", [0xed, 0xa0, 0x80]),
        ("NUL", [(byte)'a', 0, (byte)'b']),
        ("ESC", [0x1b, (byte)'[', (byte)'3', (byte)'1', (byte)'m']),
        ("bidi override", Encoding.UTF8.GetBytes("evil\u202Etxt")),
        ("4,000 characters", Encoding.ASCII.GetBytes(new string('a', 4_000))),
    ];

    private static readonly string[] Headers = ["Idempotency-Key", "Accept", "User-Agent", "X-Forwarded-For", "X-Request-Id", "Cookie"];

    private sealed record Route(string Method, string Pattern, string? Name, Type? BodyType, IReadOnlyList<string> Query, bool Multipart, bool RawBody);

    private sealed record Ids(Guid Job, Guid FailedJob, Guid Key, string Dataset);

    [Fact]
    public async Task Hostile_values_in_every_field_header_and_parameter_of_every_route_never_get_a_5xx_or_store_anything()
    {
        var routes = Routes();
        Assert.Contains(routes, r => r.BodyType is not null);
        Assert.Contains(routes, r => r.Multipart);
        var ids = await ArrangeAsync();
        var cases = 0;
        foreach (var route in routes)
        {
            foreach (var (what, path, headers, body, chunked) in Requests(route, ids))
            {
                await AssertSafeAsync(route, what, path, headers, body, chunked);
                cases++;
            }
        }
        Assert.True(cases > 500, $"only {cases} cases");

        await AssertEverythingReadsBackAsync();
    }

    private List<Route> Routes() => server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        .Where(e => e.RoutePattern.RawText is { } p && (p.StartsWith("/api/", StringComparison.Ordinal) || p.StartsWith("/admin/", StringComparison.Ordinal)))
        .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(method => new Route(
            method,
            e.RoutePattern.RawText!,
            e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName,
            e.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType,
            e.Metadata.GetMetadata<QueryParameters>()?.Names ?? [],
            e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == "Upload",
            e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == "IngestJson")))
        .ToList();

    /// <summary>A queued job, a failed one (for retry), a key to revoke and a dataset with rows.</summary>
    private async Task<Ids> ArrangeAsync()
    {
        var dataset = "walk-" + Guid.NewGuid().ToString("N")[..8];
        var (status, body, text) = await server.Client.UploadAsync([("people.csv", "id,name\n1,Ann\n2,Bob\n"u8.ToArray())],
            new Dictionary<string, string> { ["dataset"] = dataset });
        Assert.True(status == HttpStatusCode.Created, text);
        var loaded = await server.Client.FinishedAsync(body!["items"]![0]!.Id());
        Assert.Equal("succeeded", loaded.Status());
        var failed = (await server.Client.CreateJobAsync(new { type = "fail", max_attempts = 1 })).Id();
        await server.Client.FinishedAsync(failed);
        var job = (await server.Client.CreateJobAsync(new { type = "sleep", metadata = new { seconds = 600 }, scheduled_at = DateTimeOffset.UtcNow.AddDays(1) })).Id();
        var (_, key, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"walk","role":"viewer"}""");
        return new Ids(job, failed, Guid.Parse(key!["id"]!.GetValue<string>()), dataset);
    }

    private static string Fill(Route route, Ids ids, string? id = null, string? name = null)
    {
        var jobId = route.Name == "RetryJob" ? ids.FailedJob : ids.Job;
        return route.Pattern
            .Replace("{id}", id ?? (route.Pattern.StartsWith("/api/v1/keys", StringComparison.Ordinal) ? ids.Key.ToString() : jobId.ToString()))
            .Replace("{name}", name ?? ids.Dataset);
    }

    /// <summary>A request the route takes: the body of its type (the smallest valid one where known), or none.</summary>
    private static JsonNode? Baseline(Route route) => route.Name switch
    {
        "CreateJob" => new JsonObject { ["type"] = "noop" },
        "CreateJobBatch" => new JsonObject { ["jobs"] = new JsonArray(new JsonObject { ["type"] = "noop" }) },
        "CreateKey" => new JsonObject { ["name"] = "walker", ["role"] = "viewer" },
        _ when route.BodyType is not null => new JsonObject(),
        _ => null,
    };

    private IEnumerable<(string What, string Path, List<(string, byte[])> Headers, byte[]? Body, bool Chunked)> Requests(Route route, Ids ids)
    {
        var path = Fill(route, ids);
        var baseline = Baseline(route);
        var json = baseline is null ? null : Encoding.UTF8.GetBytes(baseline.ToJsonString());
        List<(string, byte[])> Auth(string? contentType = null)
        {
            List<(string, byte[])> h = [("Authorization", RawHttp.Ascii("Bearer " + server.AdminKey))];
            if (contentType is not null) h.Add(("Content-Type", RawHttp.Ascii(contentType)));
            return h;
        }
        var contentType = route.BodyType is not null ? "application/json" : null;

        // Every string slot of the body type (values and free-form names), with every hostile string.
        if (route.BodyType is not null)
        {
            foreach (var (slot, template) in Slots(ConveyorJson.Options.GetTypeInfo(route.BodyType), baseline!, route.BodyType.Name))
            {
                foreach (var (name, bytes) in JsonStrings)
                    yield return ($"{slot} = {name}", path, Auth(contentType), Splice(template, bytes), false);
            }
            var first = baseline!.AsObject().FirstOrDefault();
            var text = baseline.ToJsonString();
            var dup = first.Key is null ? "{\"a\":1,\"a\":2}" : "{" + JsonSerializer.Serialize(first.Key) + ":" + first.Value!.ToJsonString() + "," + text[1..];
            yield return ("duplicate property", path, Auth(contentType), Encoding.UTF8.GetBytes(dup), false);
            yield return ("unknown field", path, Auth(contentType), Encoding.UTF8.GetBytes(text.Length > 2 ? text[..^1] + ",\"zz_unknown\":1}" : "{\"zz_unknown\":1}"), false);
            var deep = new string('[', 10_000) + new string(']', 10_000);
            yield return ("10,000-deep nesting", path, Auth(contentType), Encoding.UTF8.GetBytes(text.Length > 2 ? text[..^1] + ",\"metadata\":{\"x\":" + deep + "}}" : deep), false);
            yield return ("20 MB chunked", path, Auth(contentType), Encoding.UTF8.GetBytes("{\"metadata\":{\"x\":\"" + new string('a', 20 << 20) + "\"}}"), true);
        }
        if (route.Multipart)
        {
            foreach (var field in new[] { "dataset", "priority", "metadata", "filename", "filename*" })
            {
                foreach (var (name, bytes) in JsonStrings)
                {
                    var value = field == "metadata" ? [.. "{\"x\":\""u8, .. bytes, .. "\"}"u8] : bytes;
                    yield return ($"form {field} = {name}", path, Auth("multipart/form-data; boundary=WALK"), Multipart(field, value, "a,b\n1,2\n"u8.ToArray()), false);
                }
            }
            foreach (var (name, content) in HostileFiles())
                yield return ($"file {name}", path, Auth("multipart/form-data; boundary=WALK"), Multipart(null, [], content), false);
            yield return ("multipart cut short", path, Auth("multipart/form-data; boundary=WALK"),
                RawHttp.Ascii("--WALK\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\n1,2\n"), false);
        }
        if (route.RawBody)
        {
            foreach (var (name, content) in HostileFiles().Where(f => f.Name.Contains("json")))
                yield return ($"body {name}", path, Auth(name.Contains("ndjson") ? "application/x-ndjson" : "application/json"), content, false);
        }

        // The baseline with a hostile value in every declared query parameter, and in one the route does not declare.
        var good = route.RawBody ? "[{\"a\":1}]"u8.ToArray() : route.Multipart ? Multipart(null, [], "a,b\n1,2\n"u8.ToArray()) : json;
        var goodType = route.RawBody ? "application/json" : route.Multipart ? "multipart/form-data; boundary=WALK" : contentType;
        foreach (var parameter in route.Query.Append("zz_unknown"))
        {
            foreach (var (name, encoded) in UrlValues)
                yield return ($"?{parameter} = {name}", $"{path}?{parameter}={encoded}", Auth(goodType), good, false);
        }
        // Route values.
        foreach (var value in new[] { "id", "name" }.Where(v => route.Pattern.Contains("{" + v + "}")))
        {
            foreach (var (name, encoded) in UrlValues)
                yield return ($"{{{value}}} = {name}", Fill(route, ids, value == "id" ? encoded : null, value == "name" ? encoded : null), Auth(goodType), good, false);
        }
        // Headers.
        foreach (var header in Headers)
        {
            foreach (var (name, bytes) in HeaderValues)
                yield return ($"{header}: {name}", path, [.. Auth(goodType), (header, bytes)], good, false);
        }
        foreach (var (name, bytes) in HeaderValues)
        {
            yield return ($"Authorization: Bearer {name}", path, [("Authorization", [.. "Bearer "u8, .. bytes])], good, false);
            if (goodType is not null) yield return ($"Content-Type charset {name}", path, [Auth()[0], ("Content-Type", [.. RawHttp.Ascii(goodType + "; charset="), .. bytes])], good, false);
        }
    }

    /// <summary>Files whose rows hold what no row may: each is accepted and loaded, its bad rows counted, nothing unreadable stored.</summary>
    private static IEnumerable<(string Name, byte[] Content)> HostileFiles()
    {
        var good = string.Concat(Enumerable.Range(0, 60).Select(i => $"{{\"n\":{i}}}\n"));
        yield return ("ndjson with a lone surrogate", Encoding.UTF8.GetBytes("{\"a\":\"\\ud800\"}\n{\"a\":\"\\udc00\"}\n" + good));
        yield return ("ndjson with an escaped NUL", Encoding.UTF8.GetBytes("{\"a\":\"x\\u0000y\"}\n" + good));
        yield return ("ndjson with a duplicate property", Encoding.UTF8.GetBytes("{\"a\":1,\"a\":2}\n" + good));
        yield return ("json array with a lone surrogate", Encoding.UTF8.GetBytes("[{\"a\":\"\\ud800\"}," + string.Join(",", Enumerable.Range(0, 60).Select(i => $"{{\"n\":{i}}}")) + "]"));
        yield return ("json array 10,000 deep", Encoding.UTF8.GetBytes("[" + new string('[', 10_000) + new string(']', 10_000) + "]"));
        yield return ("csv with NUL and ESC bytes", [.. "a,b\n"u8, (byte)'x', 0, (byte)'y', (byte)',', 0x1b, (byte)'\n', .. Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 60).Select(i => $"{i},{i}\n")))]);
        yield return ("csv with a bidi override", Encoding.UTF8.GetBytes("name,note\nevil\u202Etxt,ok\n"));
    }

    private static byte[] Multipart(string? field, byte[] value, byte[] file)
    {
        var body = new MemoryStream();
        void Write(ReadOnlySpan<byte> bytes) => body.Write(bytes);
        if (field is "dataset" or "priority" or "metadata")
        {
            Write(RawHttp.Ascii($"--WALK\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n"));
            Write(value);
            Write("\r\n"u8);
        }
        Write("--WALK\r\nContent-Disposition: form-data; name=\"file\"; "u8);
        if (field == "filename") Write([.. "filename=\""u8, .. value, .. "\""u8]);
        else if (field == "filename*") Write([.. "filename*=UTF-8''"u8, .. RawHttp.Ascii(string.Concat(value.Select(b => $"%{b:X2}")))]);
        else Write("filename=\"data.csv\""u8);
        Write("\r\nContent-Type: application/octet-stream\r\n\r\n"u8);
        Write(file);
        Write("\r\n--WALK--\r\n"u8);
        return body.ToArray();
    }

    /// <summary>
    /// Every place a string goes in a body of <paramref name="type"/>: the JSON text of the whole body with
    /// <c>"__HOSTILE__"</c> at that place. Free-form objects (metadata) get it as a value and as a name.
    /// </summary>
    private static IEnumerable<(string Slot, string Template)> Slots(JsonTypeInfo type, JsonNode baseline, string where)
    {
        foreach (var property in type.Properties)
        {
            var slot = $"{where}.{property.Name}";
            var kind = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (kind == typeof(string))
            {
                yield return (slot, With(baseline, property.Name, JsonValue.Create(Placeholder)));
            }
            else if (kind == typeof(JsonElement))
            {
                yield return (slot + ".x", With(baseline, property.Name, new JsonObject { ["x"] = Placeholder }));
                yield return (slot + ".<name>", With(baseline, property.Name, new JsonObject { [Placeholder] = 1 }));
            }
            else if (kind.IsGenericType && kind.GetGenericArguments() is [var element] && typeof(System.Collections.IEnumerable).IsAssignableFrom(kind)
                     && element.IsClass && element != typeof(string))
            {
                var item = baseline[property.Name] is JsonArray { Count: > 0 } array ? array[0]!.DeepClone() : new JsonObject();
                foreach (var (inner, template) in Slots(ConveyorJson.Options.GetTypeInfo(element), item, slot + "[0]"))
                    yield return (inner, With(baseline, property.Name, new JsonArray(JsonNode.Parse(template))));
            }
            else if (kind.IsClass && kind != typeof(string) && ConveyorJson.Options.GetTypeInfo(kind).Kind == JsonTypeInfoKind.Object)
            {
                var inner = baseline[property.Name]?.DeepClone() ?? new JsonObject();
                foreach (var (innerSlot, template) in Slots(ConveyorJson.Options.GetTypeInfo(kind), inner, slot))
                    yield return (innerSlot, With(baseline, property.Name, JsonNode.Parse(template)));
            }
        }
    }

    private static string With(JsonNode baseline, string name, JsonNode? value)
    {
        var copy = baseline.DeepClone().AsObject();
        copy[name] = value;
        return copy.ToJsonString();
    }

    /// <summary>The template's UTF-8 with the placeholder's quotes holding <paramref name="bytes"/>, as they are.</summary>
    private static byte[] Splice(string template, byte[] bytes)
    {
        var text = Encoding.UTF8.GetBytes(template);
        var at = text.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Placeholder));
        return [.. text.AsSpan(0, at), .. bytes, .. text.AsSpan(at + Placeholder.Length)];
    }

    private async Task AssertSafeAsync(Route route, string what, string path, List<(string, byte[])> headers, byte[]? body, bool chunked)
    {
        var jobs = await server.Database.CountAsync("jobs");
        var keys = await server.Database.CountAsync("api_keys");
        var files = Uploads.StoredFiles(server.DataDirectory).Length;
        var (status, text) = await RawHttp.SendAsync(server.Address, route.Method, path, headers, body, chunked);
        var label = $"{route.Method} {route.Pattern} with {what}";
        Assert.True((int)status < 500, $"{label} answered {(int)status}: {text}");
        LeakAssert.Clean(text);
        if ((int)status >= 400)
        {
            Assert.True(jobs == await server.Database.CountAsync("jobs"), $"{label} ({(int)status}) stored a job");
            Assert.True(keys == await server.Database.CountAsync("api_keys"), $"{label} ({(int)status}) stored a key");
            Assert.True(files == Uploads.StoredFiles(server.DataDirectory).Length, $"{label} ({(int)status}) left a file");
        }
    }

    /// <summary>Every list, job (with its events, records, failures and detection), dataset and export answers 200.</summary>
    private async Task AssertEverythingReadsBackAsync()
    {
        var client = server.Client;
        async Task<JsonNode> Ok(string path, string? accept = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (accept is not null) request.Headers.Accept.ParseAdd(accept);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {text}");
            return accept is null ? JsonNode.Parse(text)! : JsonValue.Create(text);
        }

        // Let the accepted uploads load first (the scheduled sleep job stays queued).
        await Eventually.WaitAsync(() => server.Database.CountAsync("jobs", "status IN ('running') OR (status = 'queued' AND type <> 'sleep')"),
            n => n == 0, TimeSpan.FromSeconds(120), "the walk's jobs to finish");

        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await Ok("/api/v1/jobs?limit=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            ids.AddRange(page["items"]!.AsArray().Select(j => j!.Id()));
            cursor = page["next_cursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal(await server.Database.CountAsync("jobs"), ids.Count);
        foreach (var filter in new[] { "status=succeeded", "status=failed", "status=queued", "type=noop", "type=csv", "type=ndjson", "type=json", "sort_by=type&sort_order=asc" })
            await Ok("/api/v1/jobs?limit=100&" + filter);
        foreach (var id in ids)
        {
            await Ok($"/api/v1/jobs/{id}");
            await Ok($"/api/v1/jobs/{id}/events");
            await Ok($"/api/v1/jobs/{id}/records?limit=1000");
            await Ok($"/api/v1/jobs/{id}/records", "text/csv");
            await Ok($"/api/v1/jobs/{id}/failures");
        }
        var datasets = (await Ok("/api/v1/datasets"))["items"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).ToList();
        Assert.NotEmpty(datasets);
        foreach (var dataset in datasets)
        {
            await Ok($"/api/v1/datasets/{Uri.EscapeDataString(dataset)}/records?limit=1000");
            await Ok($"/api/v1/datasets/{Uri.EscapeDataString(dataset)}/records", "text/csv");
        }
        cursor = null;
        do
        {
            var page = await Ok("/api/v1/audit?limit=200" + (cursor is null ? "" : "&cursor=" + cursor));
            cursor = page["next_cursor"]?.GetValue<string>();
        } while (cursor is not null);
        await Ok("/api/v1/keys");
    }
}
