using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conveyor.Auth;
using Conveyor.Hosting;
using Conveyor.Storage;
using Conveyor.Tests.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Tests;

public sealed class SqliteAccessTests() : AccessContract(Provider.Sqlite);

public sealed class PostgresAccessTests() : AccessContract(Provider.Postgres);

/// <summary>Keys, roles, audit over HTTP, rate limits and headers, on both stores; each test starts its own server.</summary>
public abstract class AccessContract(Provider provider)
{
    private Task<TestServer> StartAsync(IDictionary<string, string>? settings = null) => TestServer.StartAsync(provider, settings);

    private static async Task<(Guid Id, string Key)> CreateKeyAsync(TestServer server, string role, DateTimeOffset? expiresAt = null)
    {
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys",
            JsonSerializer.Serialize(new { name = "test " + role, role, expires_at = expiresAt }));
        Assert.True(status == HttpStatusCode.Created, text);
        return (Guid.Parse(body!["id"]!.GetValue<string>()), body["key"]!.GetValue<string>());
    }

    private static async Task AssertProblem401(HttpClient client)
    {
        var (status, body, text) = await client.SendAsync(HttpMethod.Get, "/api/v1/jobs");
        Assert.True(status == HttpStatusCode.Unauthorized, text);
        Assert.Equal(401, body!["status"]!.GetValue<int>());
        LeakAssert.Clean(text);
    }

    [Fact]
    public async Task No_key_a_malformed_an_unknown_a_revoked_and_an_expired_key_all_get_a_401_problem()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(provider, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        await AssertProblem401(server.Anonymous);
        await AssertProblem401(server.NewClient("not-a-key"));
        await AssertProblem401(server.NewClient(ApiKeyGenerator.NewKey()));
        // Right prefix, wrong secret.
        await AssertProblem401(server.NewClient(server.AdminKey[..^4] + "AAAA"));

        var (revokedId, revoked) = await CreateKeyAsync(server, Roles.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await server.NewClient(revoked).SendAsync(HttpMethod.Get, "/api/v1/jobs")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.SendAsync(HttpMethod.Delete, $"/api/v1/keys/{revokedId}")).Status);
        await AssertProblem401(server.NewClient(revoked));

        // Verified (and so cached, for KeyCacheSeconds = 10 s) while live; refused on the first request after it
        // expires, while its cache entry is still fresh.
        var (_, expiring) = await CreateKeyAsync(server, Roles.Viewer, clock.GetUtcNow().AddSeconds(5));
        var client = server.NewClient(expiring);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/v1/jobs")).Status);
        clock.Advance(TimeSpan.FromSeconds(6));
        await AssertProblem401(client);

        var viaHeader = server.NewClient(null);
        viaHeader.DefaultRequestHeaders.Add("X-Api-Key", server.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await viaHeader.SendAsync(HttpMethod.Get, "/api/v1/jobs")).Status);
        var emptyHeader = server.NewClient(null);
        emptyHeader.DefaultRequestHeaders.Add("X-Api-Key", "");
        await AssertProblem401(emptyHeader);
    }

    [Fact]
    public async Task A_request_with_only_a_session_cookie_is_answered_by_the_cookie_scheme_and_a_key_by_the_key_scheme()
    {
        await using var server = await StartAsync();
        // The API key scheme challenges with WWW-Authenticate: Bearer; the cookie scheme answers a bare 401.
        using var none = await server.Anonymous.GetAsync("/api/v1/jobs");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);

        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/api/v1/jobs");
        withCookie.Headers.TryAddWithoutValidation("Cookie", ConveyorAuth.CookieName + "=not-a-ticket");
        using var cookieResponse = await server.Anonymous.SendAsync(withCookie);
        Assert.Equal(HttpStatusCode.Unauthorized, cookieResponse.StatusCode);
        Assert.Empty(cookieResponse.Headers.WwwAuthenticate);

        // A key wins over a cookie.
        using var both = new HttpRequestMessage(HttpMethod.Get, "/api/v1/jobs");
        both.Headers.TryAddWithoutValidation("Cookie", ConveyorAuth.CookieName + "=not-a-ticket");
        both.Headers.TryAddWithoutValidation("Authorization", "Bearer " + server.AdminKey);
        using var bothResponse = await server.Anonymous.SendAsync(both);
        Assert.Equal(HttpStatusCode.OK, bothResponse.StatusCode);
    }

    [Fact]
    public async Task A_recently_verified_key_skips_the_authentication_service_and_every_request_is_authenticated_once()
    {
        // Counted by ASP.NET Core's own metric, which the authentication service records on each authentication.
        await using var server = await StartAsync();
        var (_, key) = await CreateKeyAsync(server, Roles.Viewer);
        using var authentications = new AuthenticationCount(server);
        var client = server.NewClient(key);
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/v1/jobs")).Status);
        // The first request verifies the key through the service; the next three take ConveyorAuthenticationMiddleware's
        // short way. Were the framework's middleware added in front of it as well, each would count once more.
        Assert.Equal(1, authentications.Count);

        // The short way yields to a registered claims transformation, which only the authentication service applies.
        var transformation = new CountingClaimsTransformation();
        await using var transforming = await TestServer.StartAsync(provider,
            configure: b => b.Services.AddSingleton<IClaimsTransformation>(transformation));
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await transforming.Client.SendAsync(HttpMethod.Get, "/api/v1/jobs")).Status);
        Assert.Equal(3, transformation.Calls);
    }

    [Fact]
    public async Task A_key_sent_again_on_a_kept_alive_connection_is_not_hashed_again_and_a_revoke_still_refuses_it_there()
    {
        await using var server = await StartAsync();
        var validator = server.Services.GetRequiredService<ApiKeyValidator>();
        var (id, key) = await CreateKeyAsync(server, Roles.Viewer);
        var client = server.NewClient(key);
        var before = validator.KeysHashed;
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/v1/jobs")).Status);
        // The first request hashes in the short way's look-up and in the handler's verification, the second in the short
        // way (now verified, the connection remembers it); the other eight compare with what the connection sent.
        Assert.Equal(3, validator.KeysHashed - before);

        // Another key on the same connection is hashed, and so is the first again after it.
        var (_, other) = await CreateKeyAsync(server, Roles.Viewer);
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/jobs"))
        {
            request.Headers.Authorization = new("Bearer", other);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/v1/jobs")).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.SendAsync(HttpMethod.Delete, $"/api/v1/keys/{id}")).Status);
        await AssertProblem401(client);
    }

    /// <summary>Counts <c>aspnetcore.authentication.authenticate.duration</c> measurements of one server's meters.</summary>
    private sealed class AuthenticationCount : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _count;

        public AuthenticationCount(TestServer server)
        {
            var meters = server.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "aspnetcore.authentication.authenticate.duration")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _count));
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private sealed class CountingClaimsTransformation : IClaimsTransformation
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(principal);
        }
    }

    [Fact]
    public async Task Using_a_key_moves_its_last_used_at_in_the_background()
    {
        await using var server = await StartAsync();
        var (id, key) = await CreateKeyAsync(server, Roles.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await server.NewClient(key).SendAsync(HttpMethod.Get, "/api/v1/jobs")).Status);
        await Eventually.WaitAsync(async () => (await server.Client.SendAsync(HttpMethod.Get, "/api/v1/keys")).Body!["items"]!.AsArray()
                .Single(k => k!["id"]!.GetValue<string>() == id.ToString())!["last_used_at"],
            usedAt => usedAt is not null, TimeSpan.FromSeconds(20), "last_used_at of the key");
    }

    [Fact]
    public async Task Every_endpoint_declares_a_policy_or_anonymous_access()
    {
        await using var server = await StartAsync();
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);
        var undeclared = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null
                && !e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => Roles.IsRole(a.Policy)))
            .Select(e => e.DisplayName ?? e.RoutePattern.RawText)
            .ToList();
        Assert.True(undeclared.Count == 0, "Endpoints without a role policy or AllowAnonymous: " + string.Join(", ", undeclared));
    }

    [Fact]
    public async Task The_role_by_route_matrix_holds_for_every_mapped_endpoint()
    {
        // Every route is called without a key too: more than the default failed-auth budget of one address.
        await using var server = await StartAsync(new Dictionary<string, string> { ["Conveyor:Auth:FailedAuthPerMinute"] = "100000" });
        // The shared target of read routes is an ingested job, so its detection and records exist.
        var (ingested, job, ingestText) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/ingest/json", """[{"a":1}]""");
        Assert.True(ingested == HttpStatusCode.Created, ingestText);
        var keys = new Dictionary<string, HttpClient> { ["none"] = server.Anonymous };
        foreach (var role in Roles.All) keys[role] = server.NewClient((await CreateKeyAsync(server, role)).Key);

        var cases = 0;
        foreach (var endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            // The dashboard's pages answer browsers (a redirect to sign in, a page that refuses): DashboardAccessTests has their matrix.
            if (endpoint.Metadata.GetMetadata<Conveyor.Web.DashboardPage>() is not null) continue;
            var required = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(Roles.IsRole);
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var pattern = endpoint.RoutePattern.RawText!;
            if (pattern.Contains("{documentName}")) pattern = pattern.Replace("{documentName}", "v1");
            if (pattern.Contains('{') && !pattern.Contains("{id}") && !pattern.Contains("{job_id}")) continue; // catch-alls of the docs UI
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                foreach (var (role, client) in keys)
                {
                    // A fresh target per request, so an earlier cancel or revoke does not change what this one sees.
                    // A stream ends only when its job has ended, so it gets a cancelled job (its one event, then the end).
                    var id = pattern.StartsWith("/api/v1/keys") ? (await CreateKeyAsync(server, Roles.Viewer)).Id
                        : pattern.StartsWith("/api/v1/sessions/") ? await CreateSessionAsync(server)
                        : pattern.EndsWith("/stream") ? await CancelledJobAsync(server)
                        : pattern.StartsWith("/api/v1/jobs/{id}") && method != "GET" ? (await server.Client.CreateJobAsync(new { type = "noop" })).Id()
                        : job!.Id();
                    var path = pattern.Replace("{id}", id.ToString()).Replace("{job_id}", id.ToString());
                    var body = method == "POST" ? BodyFor(pattern) : null;
                    var (status, _, text) = pattern == "/api/v1/upload"
                        ? await UploadAsync(client, path)
                        : await client.SendAsync(new HttpMethod(method), path, body,
                            headers: pattern.EndsWith("/stream") ? new Dictionary<string, string> { ["Accept"] = "text/event-stream" } : null);
                    cases++;
                    var rank = Roles.Rank(role);
                    if (anonymous) Assert.True((int)status < 400, $"{method} {path} as {role}: {status} {text}");
                    else if (role == "none") Assert.True(status == HttpStatusCode.Unauthorized, $"{method} {path} anonymous: {status}");
                    else if (rank < Roles.Rank(required)) Assert.True(status == HttpStatusCode.Forbidden, $"{method} {path} as {role}: {status}");
                    else Assert.True((int)status is >= 200 and < 300 || (status == HttpStatusCode.Conflict && path.EndsWith("/retry")),
                        $"{method} {path} as {role}: {status} {text}");
                }
            }
        }
        Assert.True(cases > 60, $"only {cases} cases");
    }

    private static async Task<Guid> CancelledJobAsync(TestServer server)
    {
        var id = (await server.Client.CreateJobAsync(new { type = "noop" })).Id();
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{id}/cancel")).Status);
        return id;
    }

    /// <summary>A one-file multipart upload, the only body the upload route takes.</summary>
    private static async Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body, string Text)> UploadAsync(HttpClient client, string path)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes("a,b\n1,2\n"));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "matrix.csv");
        using var response = await client.PostAsync(path, form);
        return (response.StatusCode, null, await response.Content.ReadAsStringAsync());
    }

    private static async Task<Guid> CreateSessionAsync(TestServer server)
    {
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Post, "/ingest/session", BodyFor("/ingest/session"));
        Assert.True(status == HttpStatusCode.OK, text);
        return Guid.Parse(body!["id"]!.GetValue<string>());
    }

    private static string? BodyFor(string pattern) => pattern switch
    {
        "/api/v1/jobs" or "/api/v1/jobs/" => """{"type":"noop"}""",
        "/api/v1/jobs/batch" => """{"jobs":[{"type":"noop"}]}""",
        "/api/v1/jobs/bulk" => """{"action":"cancel","filter":{"dataset":"matrix-nothing"},"dry_run":true}""",
        "/api/v1/keys" or "/api/v1/keys/" => """{"name":"matrix","role":"viewer"}""",
        "/api/v1/ingest/json" => """[{"a":1}]""",
        "/ingest/session" => """{"course_id":"matrix","title":"Matrix","transcript":"Who may create a session."}""",
        _ => null,
    };

    [Fact]
    public async Task The_raw_key_never_reaches_the_database_the_logs_or_a_later_response()
    {
        await using var server = await StartAsync();
        var (id, key) = await CreateKeyAsync(server, Roles.Operator);
        var client = server.NewClient(key);
        var job = await client.CreateJobAsync(new { type = "noop" });
        await client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{job.Id()}/cancel");
        await server.NewClient(key[..^1] + "x").SendAsync(HttpMethod.Get, "/api/v1/jobs");

        var later = new List<string>();
        foreach (var path in new[] { "/api/v1/keys", "/api/v1/audit?limit=200", $"/api/v1/jobs/{job.Id()}", $"/api/v1/jobs/{job.Id()}/events", "/api/v1/jobs" })
            later.Add((await server.Client.SendAsync(HttpMethod.Get, path)).Text);
        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.SendAsync(HttpMethod.Delete, $"/api/v1/keys/{id}")).Status);
        Assert.All(later, text => Assert.DoesNotContain(key, text));
        Assert.All(later, text => Assert.DoesNotContain(server.AdminKey, text));
        Assert.DoesNotContain(key, server.Logs.All);
        Assert.DoesNotContain(server.AdminKey, server.Logs.All);
        Assert.DoesNotContain(key[(ApiKeyGenerator.Scheme.Length + ApiKeyGenerator.PrefixLength + 1)..], server.Logs.All);

        if (provider == Provider.Sqlite)
        {
            foreach (var file in Directory.EnumerateFiles(server.DataDirectory, "conveyor.db*"))
            {
                var bytes = Encoding.ASCII.GetString(await ReadSharedAsync(file));
                Assert.DoesNotContain(key, bytes);
                Assert.DoesNotContain(server.AdminKey, bytes);
            }
        }
        else
        {
            var dump = await server.Database.ScalarAsync<string>(
                "SELECT string_agg(t::text, '\n') FROM (SELECT a::text AS t FROM api_keys a UNION ALL SELECT e::text FROM audit_events e UNION ALL SELECT j::text FROM job_events j) x");
            Assert.DoesNotContain(key, dump);
            Assert.DoesNotContain(server.AdminKey, dump);
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static async Task<JsonArray> AuditAsync(TestServer server, string query)
    {
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Get, "/api/v1/audit?" + query);
        Assert.True(status == HttpStatusCode.OK, text);
        return body!["items"]!.AsArray();
    }

    [Fact]
    public async Task Each_audited_action_writes_one_event_with_actor_role_target_and_outcome_and_its_job_event_links_it()
    {
        await using var server = await StartAsync();
        var (_, key) = await CreateKeyAsync(server, Roles.Operator);
        var client = server.NewClient(key);
        var actor = "key:" + ApiKeyGenerator.PrefixOf(key);

        var job = await client.CreateJobAsync(new { type = "noop" });
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{job.Id()}/cancel")).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{job.Id()}/cancel")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{job.Id()}/requeue")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(HttpMethod.Post, "/api/v1/jobs/not-a-uuid/cancel")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(HttpMethod.Post, "/api/v1/jobs", """{"type":""}""")).Status);

        var events = await AuditAsync(server, $"actor={Uri.EscapeDataString(actor)}&limit=200");
        var rows = events.Select(e => (Action: e!["action"]!.GetValue<string>(), Target: e["target"]?.GetValue<string>(),
            Outcome: e["outcome"]!.GetValue<string>(), Role: e["role"]!.GetValue<string>(), Id: e["id"]!.GetValue<string>())).Reverse().ToList();
        var id = job.Id().ToString();
        Assert.Equal(
            [("job.create", id, "applied"), ("job.cancel", id, "applied"), ("job.cancel", id, "no_op"), ("job.requeue", id, "rejected"),
             ("job.cancel", "not-a-uuid", "rejected"), ("job.create", null, "rejected")],
            rows.Select(r => (r.Action, r.Target, r.Outcome)));
        Assert.All(rows, r => Assert.Equal(Roles.Operator, r.Role));

        var (_, history, _) = await client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{job.Id()}/events");
        Assert.Equal([rows[0].Id, rows[1].Id], history!["items"]!.AsArray().Select(e => e!["audit_id"]!.GetValue<string>()));
        var key2 = await AuditAsync(server, "action=key.create&limit=1");
        Assert.Equal("applied", key2[0]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Denied_requests_are_audited_as_aggregated_auth_denied_events()
    {
        await using var server = await StartAsync(new Dictionary<string, string> { ["Conveyor:Auth:DeniedFlushSeconds"] = "1" });
        var (_, viewer) = await CreateKeyAsync(server, Roles.Viewer);
        for (var i = 0; i < 12; i++) await server.NewClient(ApiKeyGenerator.NewKey()).SendAsync(HttpMethod.Get, "/api/v1/jobs");
        Assert.Equal(HttpStatusCode.Forbidden, (await server.NewClient(viewer).SendAsync(HttpMethod.Post, "/api/v1/jobs", """{"type":"noop"}""")).Status);

        var denied = await Eventually.WaitAsync(() => AuditAsync(server, "action=auth.denied&limit=200"),
            items => items.Sum(e => e!["details"]!["count"]!.GetValue<long>()) >= 13, TimeSpan.FromSeconds(20), "auth.denied events");
        Assert.True(denied.Count <= 4, $"{denied.Count} events for 13 denials");
        Assert.All(denied, e => Assert.Equal("denied", e!["outcome"]!.GetValue<string>()));
        Assert.Contains(denied, e => e!["actor"]!.GetValue<string>() == "key:" + ApiKeyGenerator.PrefixOf(viewer));
    }

    [Fact]
    public async Task A_thousand_guesses_from_one_address_are_cut_off_early_while_a_good_key_elsewhere_works()
    {
        await using var server = await StartAsync(new Dictionary<string, string>
        {
            ["Conveyor:Auth:TrustedProxies:0"] = "127.0.0.1",
            ["Conveyor:Auth:FailedAuthPerMinute"] = "20",
        });
        var attacker = server.NewClient(null, forwardedFor: "203.0.113.66");
        var statuses = new List<HttpStatusCode>();
        string? retryAfter = null;
        for (var i = 0; i < 1000; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/jobs");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + ApiKeyGenerator.NewKey());
            using var response = await attacker.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) retryAfter ??= response.Headers.RetryAfter?.ToString();
        }
        var firstLimited = statuses.IndexOf(HttpStatusCode.TooManyRequests);
        Assert.InRange(firstLimited, 1, 25);
        Assert.True(statuses.Skip(firstLimited).All(s => s == HttpStatusCode.TooManyRequests), "every guess after the cut-off is refused");
        Assert.True(statuses.Count(s => s == HttpStatusCode.Unauthorized) <= 20);
        Assert.NotNull(retryAfter);

        var elsewhere = server.NewClient(server.AdminKey, forwardedFor: "198.51.100.7");
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.SendAsync(HttpMethod.Get, "/api/v1/jobs")).Status);
    }

    [Fact]
    public async Task Requests_per_key_are_limited_with_429_and_retry_after()
    {
        await using var server = await StartAsync(new Dictionary<string, string> { ["Conveyor:Auth:RequestsPerKeyPerSecond"] = "5" });
        var statuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var response = await server.Client.GetAsync("/api/v1/jobs");
            return (response.StatusCode, response.Headers.RetryAfter, Body: await response.Content.ReadAsStringAsync());
        }));
        Assert.Contains(statuses, s => s.StatusCode == HttpStatusCode.OK);
        var limited = Assert.Single(statuses.Where(s => s.StatusCode == HttpStatusCode.TooManyRequests).Take(1));
        Assert.NotNull(limited.RetryAfter);
        // A problem like every other refusal, with the type of RFC 6585's 429.
        var problem = System.Text.Json.Nodes.JsonNode.Parse(limited.Body)!;
        Assert.Equal(429, problem["status"]!.GetValue<int>());
        Assert.Equal("https://tools.ietf.org/html/rfc6585#section-4", problem["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_response_carries_the_security_headers_and_no_server_banner()
    {
        await using var server = await StartAsync();
        foreach (var (client, path) in new[] { (server.Anonymous, "/health/live"), (server.Anonymous, "/api/v1/jobs"), (server.Client, "/api/v1/jobs"),
                     (server.Client, "/nowhere"), (server.Anonymous, "/openapi/v1.json") })
        {
            using var response = await client.GetAsync(path);
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.Contains("default-src 'self'", csp);
            Assert.DoesNotContain("unsafe", csp);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.False(response.Headers.Contains("Server"), path);
        }
    }

    [Fact]
    public async Task An_unexpected_failure_is_a_500_problem_with_an_error_reference_and_the_detail_only_in_the_log()
    {
        await using var server = await StartAsync();
        // A store that fails underneath the API: the driver's exception carries SQL and the table's name.
        var job = await server.Client.CreateJobAsync(new { type = "noop" });
        await server.Database.ExecuteAsync("DROP TABLE job_events");
        var (status, body, text) = await server.Client.SendAsync(HttpMethod.Get, $"/api/v1/jobs/{job.Id()}/events");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        LeakAssert.Clean(text);
        var reference = body!["error_reference"]!.GetValue<string>();
        Assert.Equal(body["trace_id"]!.GetValue<string>(), reference);
        Assert.Contains(server.Logs.Lines, line => line.Contains("job_events") && line.Contains("Exception"));
    }

    [Fact]
    public async Task The_cookie_scheme_is_httponly_strict_sliding_and_secure_under_https_and_antiforgery_is_registered()
    {
        await using var server = await StartAsync();
        var cookie = server.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(ConveyorAuth.CookieScheme);
        Assert.True(cookie.Cookie.HttpOnly);
        Assert.Equal(SameSiteMode.Strict, cookie.Cookie.SameSite);
        Assert.Equal(CookieSecurePolicy.SameAsRequest, cookie.Cookie.SecurePolicy);
        Assert.True(cookie.SlidingExpiration);
        Assert.NotNull(server.Services.GetService<IAntiforgery>());
    }
}
