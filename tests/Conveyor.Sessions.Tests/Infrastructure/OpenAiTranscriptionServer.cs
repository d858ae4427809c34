using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Sessions.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on a loopback port that speaks OpenAI's <c>POST /v1/audio/transcriptions</c>: it reads the
/// multipart form as OpenAI does and answers with what the test sets in <see cref="Respond"/>. Each request is kept.
/// </summary>
public sealed class OpenAiTranscriptionServer : IAsyncDisposable
{
    /// <summary>One request as the server read it.</summary>
    public sealed record Received(string Path, string? Authorization, string? Model, string? ResponseFormat, string? FileName, string? FileType, byte[] File);

    private readonly WebApplication _app;
    private readonly List<Received> _received = [];

    private OpenAiTranscriptionServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<Received> Requests { get { lock (_received) return [.. _received]; } }

    /// <summary>What the server answers: by default an OpenAI verbose_json transcript.</summary>
    public Func<Received, HttpContext, Task> Respond { get; set; } = (_, c) => c.Response.WriteAsJsonAsync(new { text = "hello" });

    public static async Task<OpenAiTranscriptionServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new OpenAiTranscriptionServer(app);
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var file = form.Files.GetFile("file");
            byte[] bytes = [];
            if (file is not null)
            {
                using var memory = new MemoryStream();
                await file.CopyToAsync(memory, context.RequestAborted);
                bytes = memory.ToArray();
            }
            var received = new Received(context.Request.Path, context.Request.Headers.Authorization.FirstOrDefault(),
                form["model"].FirstOrDefault(), form["response_format"].FirstOrDefault(), file?.FileName, file?.ContentType, bytes);
            lock (server._received) server._received.Add(received);
            await server.Respond(received, context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
