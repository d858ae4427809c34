using System.CommandLine;
using System.Text.Json;
using Conveyor.Client;
using Spectre.Console;

namespace Conveyor.Cli;

/// <summary>
/// The client commands: <c>login</c>, <c>submit</c>, <c>ingest</c>, <c>jobs …</c>, <c>sessions …</c> (in
/// <see cref="SessionCommands"/>) and <c>datasets …</c>, talking to a
/// server over <see cref="ConveyorClient"/> (see <see cref="ClientContext"/> for where the server and key come from).
/// </summary>
public static class ClientCommands
{
    private static readonly Option<string?> Server = new("--server")
    {
        Description = "The server's URL (default: CONVEYOR_URL, the login profile, or http://127.0.0.1:5080).",
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print only machine-readable JSON on stdout." };

    internal static Option<bool> Quiet(string what = "job") =>
        new("--quiet", "-q") { Description = $"Print only the {what} ids, one a line (for scripts: ID=$(conveyor … -q))." };

    public static IEnumerable<Command> All() => [Login(), Submit(), Ingest(), Jobs(), SessionCommands.Build(), Datasets()];

    /// <summary>A client command: <c>--server</c> and <c>--json</c>, one line and an exit code for every failure, Ctrl-C that stops only the command.</summary>
    internal static Command Client(string name, string description, Func<ParseResult, ClientContext, ConveyorClient, CancellationToken, Task<int>> run,
        params Symbol[] symbols)
    {
        var command = new Command(name, description) { Server, Json };
        foreach (var symbol in symbols)
        {
            if (symbol is Option option) command.Options.Add(option);
            else if (symbol is Argument argument) command.Arguments.Add(argument);
        }
        command.SetAction(async (parse, _) =>
        {
            ClientContext context;
            try
            {
                context = ClientContext.From(parse.GetValue(Server), parse.GetValue(Json));
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"conveyor: {e.Message}");
                return ExitCodes.Usage;
            }
            // Ctrl-C stops what this command is doing (following, watching), never the jobs on the server.
            using var interrupted = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; interrupted.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                return await context.RunAsync(client => run(parse, context, client, interrupted.Token));
            }
            catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
            {
                Console.Error.WriteLine("conveyor: stopped; the jobs on the server go on ('conveyor jobs watch' to see them).");
                return ExitCodes.Interrupted;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    private static Argument<Guid> JobId() => new("id") { Description = "The job's id." };

    private static Command Login()
    {
        var command = new Command("login", "Check a key against a server and save both in a profile (mode 0600) for the other commands.")
        {
            Server, Json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var server = parse.GetValue(Server) ?? Environment.GetEnvironmentVariable("CONVEYOR_URL") ?? Hosting.ConveyorHost.DefaultUrls;
            string? key = Environment.GetEnvironmentVariable("CONVEYOR_API_KEY");
            if (string.IsNullOrEmpty(key))
            {
                // Never a flag: a key on the command line is visible to every user of the machine (ps).
                key = Console.IsInputRedirected
                    ? Console.In.ReadLine()?.Trim()
                    : AnsiConsole.Prompt(new TextPrompt<string>("API key:").Secret());
            }
            if (string.IsNullOrEmpty(key))
            {
                Console.Error.WriteLine("conveyor: no API key given (type it, pipe it on stdin, or set CONVEYOR_API_KEY).");
                return ExitCodes.Usage;
            }
            Environment.SetEnvironmentVariable("CONVEYOR_API_KEY", key);
            var context = ClientContext.From(server, parse.GetValue(Json));
            return await context.RunAsync(async client =>
            {
                await client.ListJobsAsync(new JobQuery { Limit = 1 }, ct);
                var profile = new ClientProfile(context.Server.ToString().TrimEnd('/'), key);
                profile.Save();
                if (context.Json) context.WriteJson(new { server = profile.Server, profile = ClientProfile.FilePath });
                else Console.Out.WriteLine($"Logged in to {profile.Server}; saved to {ClientProfile.FilePath}.");
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Submit()
    {
        var files = new Argument<FileInfo[]>("file") { Description = "Files to upload (CSV, TSV, JSON, NDJSON, gzipped or not).", Arity = ArgumentArity.OneOrMore };
        var dataset = new Option<string?>("--dataset") { Description = "The dataset the rows go to." };
        var priority = new Option<int?>("--priority") { Description = "Higher runs first." };
        var follow = new Option<bool>("--follow") { Description = "Follow every job to its end; the exit code says how they ended." };
        var quiet = Quiet();
        return Client("submit", "Upload files, one job each, with a progress bar; --follow shows a live bar per job.", async (parse, context, client, ct) =>
        {
            var paths = parse.GetValue(files)!.Select(f => f.FullName).ToList();
            foreach (var path in paths.Where(p => !File.Exists(p))) throw new UsageException($"no such file: {path}");
            var quietly = parse.GetValue(quiet) && !context.Json;
            var quietContext = quietly ? context.Quietly() : context;
            var jobs = await Following.UploadAsync(quietContext, client, paths,
                new UploadSettings { Dataset = parse.GetValue(dataset), Priority = parse.GetValue(priority) }, ct);
            if (parse.GetValue(follow)) jobs = await Following.FollowAsync(quietContext, client, jobs, ct);
            if (context.Json) context.WriteJson(jobs);
            else if (quietly) foreach (var job in jobs) Console.Out.WriteLine(job.Id);
            else if (!parse.GetValue(follow)) foreach (var job in jobs) Console.Out.WriteLine($"{job.Id} {job.FileName} {JobViews.Word(job.Status)}");
            return parse.GetValue(follow) ? Following.ExitCodeOf(jobs) : ExitCodes.Ok;
        }, files, dataset, priority, follow, quiet);
    }

    private static Command Ingest()
    {
        var file = new Argument<string>("file") { Description = "A JSON array or NDJSON file; '-' or nothing reads stdin.", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "-" };
        var dataset = new Option<string?>("--dataset") { Description = "The dataset the records go to." };
        var priority = new Option<int?>("--priority") { Description = "Higher runs first." };
        var ndjson = new Option<bool?>("--ndjson") { Description = "The body is NDJSON (default: by the file's extension, else by its first byte)." };
        var follow = new Option<bool>("--follow") { Description = "Follow the job to its end; the exit code says how it ended." };
        var quiet = Quiet();
        return Client("ingest", "Post JSON or NDJSON records (from a file or stdin) as one job.", async (parse, context, client, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (path != "-" && !File.Exists(path)) throw new UsageException($"no such file: {path}");
            var body = new BufferedStream(path == "-" ? Console.OpenStandardInput() : File.OpenRead(path), 64 * 1024);
            var isNdjson = parse.GetValue(ndjson) ?? (path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
                || (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && FirstByte(body) != '['));
            var quietly = parse.GetValue(quiet) && !context.Json;
            var job = await client.IngestJsonAsync(body, isNdjson, parse.GetValue(dataset), parse.GetValue(priority), null, ct);
            if (parse.GetValue(follow)) job = (await Following.FollowAsync(quietly ? context.Quietly() : context, client, [job], ct))[0];
            if (context.Json) context.WriteJson(job);
            else if (quietly) Console.Out.WriteLine(job.Id);
            else if (!parse.GetValue(follow)) Console.Out.WriteLine($"{job.Id} {job.Type} {JobViews.Word(job.Status)}");
            return parse.GetValue(follow) ? Following.ExitCodeOf([job]) : ExitCodes.Ok;
        }, file, dataset, priority, ndjson, follow, quiet);
    }

    /// <summary>The first byte that is not white space, left in the stream (a BufferedStream peeks within its buffer).</summary>
    private static int FirstByte(BufferedStream stream)
    {
        // Reading one byte fills the buffer; seeking back within it costs nothing and works on stdin too.
        var first = stream.ReadByte();
        if (first >= 0) stream.Seek(-1, SeekOrigin.Current);
        return first;
    }

    private static Command Jobs()
    {
        var status = new Option<string[]>("--status") { Description = "Only these statuses (queued, running, succeeded, failed, cancelled).", AllowMultipleArgumentsPerToken = true };
        var type = new Option<string?>("--type") { Description = "Only this job type." };
        var dataset = new Option<string?>("--dataset") { Description = "Only this dataset." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (1-100, default 20)." };
        var cursor = new Option<string?>("--cursor") { Description = "Continue from a previous page's next_cursor." };
        var quiet = Quiet();
        var list = Client("list", "List jobs, newest first.", async (parse, context, client, ct) =>
        {
            var page = await client.ListJobsAsync(Query(parse, status, type, dataset, limit) with { Cursor = parse.GetValue(cursor) }, ct);
            if (context.Json) context.WriteJson(page);
            else if (parse.GetValue(quiet)) foreach (var job in page.Items) Console.Out.WriteLine(job.Id);
            else
            {
                context.Console.Write(JobViews.Jobs(page.Items));
                Console.Out.WriteLine($"{page.Items.Count} of {page.Total}" + (page.NextCursor is null ? "" : $"; more with --cursor {page.NextCursor}"));
            }
            return ExitCodes.Ok;
        }, status, type, dataset, limit, cursor, quiet);

        var showId = JobId();
        var show = Client("show", "Show one job.", async (parse, context, client, ct) =>
        {
            var job = await client.GetJobAsync(parse.GetValue(showId), ct);
            if (context.Json) context.WriteJson(job);
            else context.Console.Write(JobViews.Job(job));
            return ExitCodes.Ok;
        }, showId);

        var eventsId = JobId();
        var events = Client("events", "A job's history, oldest first.", async (parse, context, client, ct) =>
        {
            var items = await client.GetJobEventsAsync(parse.GetValue(eventsId), ct);
            if (context.Json) context.WriteJson(items);
            else context.Console.Write(JobViews.Events(items));
            return ExitCodes.Ok;
        }, eventsId);

        var watchInterval = new Option<double>("--interval") { Description = "Seconds between refreshes (default 1).", DefaultValueFactory = _ => 1 };
        var iterations = new Option<int>("--iterations") { Description = "Stop after this many refreshes (default: until Ctrl-C).", DefaultValueFactory = _ => 0 };
        var watch = Client("watch", "A live table of jobs, like top; Ctrl-C stops watching.", async (parse, context, client, ct) =>
        {
            var query = Query(parse, status, type, dataset, limit) with { SortBy = "updated_at", SortOrder = "desc" };
            var every = TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(watchInterval)));
            var count = parse.GetValue(iterations);
            string Title(JobPage page) => $"{page.Total} jobs at {context.Server} · {DateTimeOffset.Now:HH:mm:ss} · Ctrl-C to stop";
            if (!context.Live)
            {
                for (var i = 0; count == 0 || i < count; i++)
                {
                    if (i > 0) await Task.Delay(every, ct);
                    var page = await client.ListJobsAsync(query, ct);
                    if (context.Json) Console.Out.WriteLine(JsonSerializer.Serialize(page, ClientJson.Options));
                    else context.Console.Write(JobViews.Jobs(page.Items, Title(page)));
                }
                return ExitCodes.Ok;
            }
            var first = await client.ListJobsAsync(query, ct);
            await context.Console.Live(JobViews.Jobs(first.Items, Title(first))).StartAsync(async live =>
            {
                for (var i = 1; count == 0 || i < count; i++)
                {
                    await Task.Delay(every, ct);
                    var page = await client.ListJobsAsync(query, ct);
                    live.UpdateTarget(JobViews.Jobs(page.Items, Title(page)));
                    live.Refresh();
                }
            });
            return ExitCodes.Ok;
        }, status, type, dataset, limit, watchInterval, iterations);

        return new Command("jobs", "List, show, follow, cancel and retry jobs on a server.")
        {
            list, show, events, watch,
            Change("cancel", "Cancel a job (a running one stops within a heartbeat).", (c, id, ct) => c.CancelJobAsync(id, ct)),
            Change("retry", "Retry a failed job as a new job.", (c, id, ct) => c.RetryJobAsync(id, null, ct)),
            Change("requeue", "Put a failed job back in the queue, its history kept.", (c, id, ct) => c.RequeueJobAsync(id, ct)),
        };
    }

    private static Command Change(string name, string description, Func<ConveyorClient, Guid, CancellationToken, Task<Job>> change)
    {
        var id = JobId();
        return Client(name, description, async (parse, context, client, ct) =>
        {
            var job = await change(client, parse.GetValue(id), ct);
            if (context.Json) context.WriteJson(job);
            else Console.Out.WriteLine($"{job.Id} {JobViews.Word(job.Status)}" + (job.RetryOf is { } of ? $" (retry of {of})" : ""));
            return ExitCodes.Ok;
        }, id);
    }

    private static JobQuery Query(ParseResult parse, Option<string[]> status, Option<string?> type, Option<string?> dataset, Option<int?> limit)
    {
        var statuses = new List<JobStatus>();
        foreach (var word in (parse.GetValue(status) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!Enum.TryParse<JobStatus>(word, ignoreCase: true, out var parsed) || int.TryParse(word, out _))
                throw new UsageException($"--status must be queued, running, succeeded, failed or cancelled, not '{word}'.");
            statuses.Add(parsed);
        }
        return new JobQuery { Status = statuses, Type = parse.GetValue(type), Dataset = parse.GetValue(dataset), Limit = parse.GetValue(limit) };
    }

    private static Command Datasets()
    {
        var list = Client("list", "List datasets with their job and record counts.", async (parse, context, client, ct) =>
        {
            var datasets = await client.ListDatasetsAsync(ct);
            if (context.Json) context.WriteJson(datasets);
            else context.Console.Write(JobViews.Datasets(datasets));
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name") { Description = "The dataset." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of stdout." };
        var export = Client("export", "Every row of a dataset: CSV, or a JSON array of records with --json.", async (parse, context, client, ct) =>
        {
            var dataset = parse.GetValue(name)!;
            var file = parse.GetValue(output);
            await using var destination = file is null ? Console.OpenStandardOutput() : file.Create();
            if (!context.Json)
            {
                await client.ExportDatasetCsvAsync(dataset, destination, ct);
                return ExitCodes.Ok;
            }
            // Page by page, so a dataset of any size streams through in constant memory.
            await using var writer = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = false });
            writer.WriteStartArray();
            string? cursor = null;
            do
            {
                var page = await client.GetDatasetRecordsAsync(dataset, 1000, cursor, ct);
                foreach (var record in page.Items) JsonSerializer.Serialize(writer, record, ClientJson.Options);
                await writer.FlushAsync(ct);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            writer.WriteEndArray();
            await writer.FlushAsync(ct);
            await destination.WriteAsync("\n"u8.ToArray(), ct);
            return ExitCodes.Ok;
        }, name, output);

        return new Command("datasets", "The datasets loads wrote to.") { list, export };
    }
}
