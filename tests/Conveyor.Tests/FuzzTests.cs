using System.Net;
using Conveyor.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests;

/// <summary>
/// A table of malformed ids, bodies and query strings thrown at every route the app maps, as admin (so nothing stops
/// at the door): never a 500, never a stack trace, path, SQL or type name in the answer.
/// </summary>
public sealed class FuzzTests(SqliteServerFixture fixture) : IClassFixture<SqliteServerFixture>
{
    private static readonly string[] Ids =
    [
        "", " ", "0", "-1", "null", "undefined", "00000000-0000-0000-0000-000000000000", "not-a-uuid", "..%2F..%2Fetc%2Fpasswd",
        "%00", "%27%20OR%201%3D1--", "%7B%7D", new string('a', 2000), "%F0%9F%92%A9", "%E2%80%AE", "1e309", "{id}", "%25",
    ];

    private static readonly string[] Bodies =
    [
        "", "{", "}", "[]", "null", "true", "0", "\"text\"", "{\"type\":123}", "{\"type\":null}", "{\"type\":\"noop\",\"priority\":1e999}",
        "{\"type\":\"noop\",\"max_attempts\":-5}", "{\"type\":\"noop\",\"metadata\":[1,2]}", "{\"type\":\"noop\",\"scheduled_at\":\"yesterday\"}",
        "{\"jobs\":null}", "{\"jobs\":[null]}", "{\"jobs\":{}}", "{\"name\":\"\",\"role\":\"root\"}", "{\"name\":\"x\",\"role\":\"admin\",\"expires_at\":\"2000-01-01T00:00:00Z\"}",
        "{\"config_override\":\"x\"}", "{\"type\":\"noop\",\"source_uri\":\"file:///etc/passwd\\u0000\"}", new string('[', 5000) + new string(']', 5000),
        "{\"type\":\"" + new string('x', 100_000) + "\"}", "{\"a\":\"\\ud800\"}", "\u00ff\u00fe garbage",
    ];

    private static readonly string[] Queries =
    [
        "limit=-1", "limit=abc", "limit=99999999999999999999", "page=0", "page=-3", "cursor=junk", "cursor=%00", "status=exploded",
        "sort_by=;DROP%20TABLE%20jobs", "sort_order=sideways", "from=notadate", "to=2026-13-45", "action=" + new string('a', 500),
        "actor=%27%20OR%201%3D1", "target[]=x", "limit=1&limit=2",
    ];

    [Fact]
    public async Task Malformed_ids_bodies_and_queries_against_every_route_never_get_a_500_or_a_leak()
    {
        var server = fixture.Server;
        var routes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .Where(r => r.Pattern.StartsWith("/api/", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        Assert.NotEmpty(routes);

        var cases = 0;
        foreach (var (method, pattern) in routes)
        {
            var paths = pattern.Contains("{id}") ? Ids.Select(id => pattern.Replace("{id}", id)).ToList() : [pattern];
            foreach (var path in paths)
            {
                foreach (var body in method is "POST" or "PUT" ? Bodies.Select(b => (string?)b) : [null])
                {
                    await AssertSafeAsync(server, method, path, body);
                    cases++;
                }
                if (method == "GET")
                {
                    foreach (var query in Queries)
                    {
                        await AssertSafeAsync(server, method, path + "?" + query, null);
                        cases++;
                    }
                }
            }
        }
        Assert.True(cases >= 300, $"only {cases} cases");
    }

    private static async Task AssertSafeAsync(TestServer server, string method, string path, string? body)
    {
        var (status, _, text) = await server.Client.SendAsync(new HttpMethod(method), path, body);
        Assert.True((int)status < 500, $"{method} {path} with {Describe(body)} answered {(int)status}: {text}");
        Assert.NotEqual(HttpStatusCode.Unauthorized, status);
        LeakAssert.Clean(text);
    }

    private static string Describe(string? body) => body is null ? "no body" : body.Length > 80 ? body[..80] + "…" : body;
}
