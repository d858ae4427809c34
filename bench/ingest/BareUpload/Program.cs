// The baseline for the upload benchmark: the least an ASP.NET Core endpoint can do with an upload,
// copying the request body to a file, with Kestrel's body size limit lifted as Conveyor lifts it.
using Microsoft.AspNetCore.Http.Features;

var directory = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "bare-upload");
Directory.CreateDirectory(directory);
var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls("http://127.0.0.1:5598");
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => "ok");
app.MapPost("/upload", async (HttpContext context) =>
{
    context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
    var path = Path.Combine(directory, Guid.NewGuid().ToString("N"));
    await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, useAsync: true);
    await context.Request.Body.CopyToAsync(file, 256 * 1024, context.RequestAborted);
    return Results.Created((string?)null, new { bytes = file.Length });
});
app.Run();
