using Conveyor.Hosting;
using Conveyor.Sample.WordCount;

var builder = WebApplication.CreateBuilder(args);

// Conveyor's store, workers, auth and API, from the "Conveyor" configuration section, plus a job type of our own.
builder.Services.AddConveyor(builder.Configuration)
    .AddJobHandler<WordCountHandler>("wordcount");
builder.Services.AddSingleton<WordSplitter>();

var app = builder.Build();
app.MapConveyor();
// Our own endpoint: Conveyor's fallback policy would close it to all but admin keys, so it says who may call it.
app.MapGet("/hello", () => "Hello from an app that hosts Conveyor.").AllowAnonymous();
app.Run();
