using System.Net;
using Conveyor.Auth;
using Conveyor.Tests.Infrastructure;
using Conveyor.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Tests.Dashboard;

/// <summary>
/// The dashboard's access rules over plain HTTP (no browser): who is sent to sign in, who is refused, the cookie's
/// flags, and the root URL for browsers and for API clients.
/// </summary>
public sealed class DashboardAccessTests
{
    [Fact]
    public async Task Every_page_sends_a_stranger_to_sign_in_refuses_a_lower_role_and_serves_its_role()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string> { ["Conveyor:Auth:FailedAuthPerMinute"] = "100000" });
        var job = await JobStates.ArrangeAsync(server, JobSetup.Queued);
        var (_, target, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"target","role":"viewer"}""");
        var keyId = target!["id"]!.GetValue<string>();
        var clients = new Dictionary<string, HttpClient> { ["none"] = NoRedirects(server, null) };
        foreach (var role in Roles.All)
        {
            var (_, key, _) = await server.Client.SendAsync(HttpMethod.Post, "/api/v1/keys", $$"""{"name":"{{role}}","role":"{{role}}"}""");
            clients[role] = NoRedirects(server, key!["key"]!.GetValue<string>());
        }

        var cases = 0;
        foreach (var endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<DashboardPage>() is not null && e.Metadata.GetMetadata<IAllowAnonymous>() is null))
        {
            var required = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(Roles.IsRole);
            Assert.True(required is not null, $"{endpoint.RoutePattern.RawText} names no role");
            var pattern = endpoint.RoutePattern.RawText!;
            var path = pattern.Replace("{id}", pattern.StartsWith("/admin/keys", StringComparison.Ordinal) ? keyId : job.ToString()).Replace("{action}", "cancel").Replace("{courseId}", "bio-101");
            // The bulk confirmation names its action in the query (the queue's form sends it).
            if (pattern == "/admin/queue/bulk/confirm") path += "?action=cancel";
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                foreach (var (role, client) in clients)
                {
                    using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
                    var status = response.StatusCode;
                    cases++;
                    if (role == "none" && method == "GET")
                    {
                        Assert.True(status == HttpStatusCode.Redirect, $"{method} {path} anonymous: {status}");
                        Assert.Equal("/signin?return_url=" + Uri.EscapeDataString(path), response.Headers.Location!.OriginalString);
                    }
                    else if (role == "none") Assert.True(status == HttpStatusCode.Unauthorized, $"{method} {path} anonymous: {status}");
                    else if (Roles.Rank(role) < Roles.Rank(required)) Assert.True(status == HttpStatusCode.Forbidden, $"{method} {path} as {role}: {status}");
                    // Allowed: a page answers; a live stream asked for without Accept: text/event-stream says so; a post without a form is refused as such.
                    else if (method == "POST") Assert.True(status == HttpStatusCode.UnsupportedMediaType, $"{method} {path} as {role}: {status}");
                    else if (path.EndsWith("/live", StringComparison.Ordinal)) Assert.True(status == HttpStatusCode.NotAcceptable, $"{method} {path} as {role}: {status}");
                    else Assert.True(status == HttpStatusCode.OK, $"{method} {path} as {role}: {status} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }
        Assert.True(cases > 40, $"only {cases} cases");
        Assert.Equal("queued", await server.Database.StatusAsync(job));
    }

    [Fact]
    public async Task The_root_URL_takes_a_browser_to_the_dashboard_and_keeps_the_API_clients_401_problem()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var anonymous = NoRedirects(server, null);

        using var browser = await anonymous.SendAsync(Get("/", "text/html,application/xhtml+xml,*/*;q=0.8"));
        Assert.Equal(HttpStatusCode.Redirect, browser.StatusCode);
        Assert.Equal("/signin", browser.Headers.Location!.OriginalString);

        using var api = await anonymous.SendAsync(Get("/", "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType!.MediaType);
        Assert.Contains("\"status\":401", await api.Content.ReadAsStringAsync());

        using var signedIn = await NoRedirects(server, server.AdminKey).SendAsync(Get("/", "text/html"));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/admin/queue", signedIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Signing_in_sets_an_HttpOnly_SameSite_Strict_cookie_Secure_behind_HTTPS_and_a_wrong_key_gets_none()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string> { ["Conveyor:Auth:TrustedProxies:0"] = "127.0.0.1" });
        var client = NoRedirects(server, null);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        var (token, antiforgeryCookie) = await SignInFormAsync(client);
        using var wrong = await client.SendAsync(SignIn(token, antiforgeryCookie, "cvk_notakey_000000000000000000000000000000"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.TryGetValues("Set-Cookie", out var none) && none.Any(c => c.StartsWith(ConveyorAuth.CookieName + "=", StringComparison.Ordinal)));
        Assert.Contains("was not accepted", await wrong.Content.ReadAsStringAsync());

        using var right = await client.SendAsync(SignIn(token, antiforgeryCookie, server.AdminKey));
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/admin/queue", right.Headers.Location!.OriginalString);
        var cookie = Assert.Single(right.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ConveyorAuth.CookieName + "=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=strict", cookie);
        Assert.Contains("secure", cookie);
        Assert.DoesNotContain(server.AdminKey.ToLowerInvariant(), cookie);

        // Without its antiforgery token, the same form signs nobody in.
        using var forged = await client.SendAsync(SignIn(null, antiforgeryCookie, server.AdminKey));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith(ConveyorAuth.CookieName + "=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sign_in_refuses_a_return_URL_that_leaves_the_site()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var client = NoRedirects(server, null);
        var (token, cookie) = await SignInFormAsync(client);
        foreach (var target in new[] { "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)" })
        {
            using var response = await client.SendAsync(SignIn(token, cookie, server.AdminKey, target));
            Assert.Equal("/admin/queue", response.Headers.Location!.OriginalString);
        }
        using var local = await client.SendAsync(SignIn(token, cookie, server.AdminKey, "/admin/queue?status=failed"));
        Assert.Equal("/admin/queue?status=failed", local.Headers.Location!.OriginalString);
    }

    private static HttpRequestMessage Get(string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return request;
    }

    private static async Task<(string Token, string Cookie)> SignInFormAsync(HttpClient client)
    {
        using var page = await client.GetAsync("/signin");
        var html = await page.Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var cookie = page.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("conveyor.af=", StringComparison.Ordinal)).Split(';')[0];
        Assert.NotEmpty(token);
        return (token, cookie);
    }

    private static HttpRequestMessage SignIn(string? token, string cookie, string key, string returnUrl = "/admin/queue")
    {
        var fields = new Dictionary<string, string> { ["key"] = key, ["return_url"] = returnUrl };
        if (token is not null) fields["__RequestVerificationToken"] = token;
        var request = new HttpRequestMessage(HttpMethod.Post, "/signin") { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Cookie", cookie);
        return request;
    }

    private static HttpClient NoRedirects(TestServer server, string? key)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Address };
        if (key is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + key);
        return client;
    }
}
