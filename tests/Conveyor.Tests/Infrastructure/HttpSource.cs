using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on a free loopback port for URL sources: it serves files and redirects by path, and keeps
/// every path and query it was asked for, so a test can tell what a worker fetched and what it never asked for.
/// </summary>
public sealed class HttpSource : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();

    private HttpSource(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>Path and query of every request so far, oldest first.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public static async Task<HttpSource> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var source = new HttpSource(builder.Build());
        source._app.Run(source.AnswerAsync);
        await source._app.StartAsync();
        var address = source._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        source.Port = new Uri(address).Port;
        return source;
    }

    /// <summary>The URL of <paramref name="pathAndQuery"/> on this server, by <paramref name="host"/> (any name that reaches loopback).</summary>
    public string Url(string pathAndQuery, string host = "127.0.0.1") => $"http://{host}:{Port}{pathAndQuery}";

    public void Serve(string path, byte[] body, string contentType = "text/csv") => _routes[path] = async context =>
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    };

    /// <summary>Promises twice <paramref name="body"/>'s length, sends it, then drops the connection.</summary>
    public void ServeCutOff(string path, byte[] body) => _routes[path] = async context =>
    {
        context.Response.ContentType = "text/csv";
        context.Response.ContentLength = 2L * body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        context.Abort();
    };

    public void Redirect(string path, string location) => _routes[path] = context =>
    {
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    };

    private Task AnswerAsync(HttpContext context)
    {
        _requests.Enqueue(context.Request.Path + context.Request.QueryString);
        if (_routes.TryGetValue(context.Request.Path.Value ?? "", out var route)) return route(context);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
