using System.CommandLine;
using Conveyor.Hosting;
using Conveyor.Storage;

namespace Conveyor.Cli;

/// <summary>
/// The <c>conveyor</c> command line. Flags the commands do not name pass through to configuration, so every
/// key of SPEC §1 works as a flag too (<c>--Conveyor:Workers:Count=4</c>).
/// </summary>
public static class ConveyorCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Conveyor: a self-hosted ingestion job service.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Worker());
        root.Subcommands.Add(Migrate());
        return root;
    }

    public static Task<int> RunAsync(string[] args) =>
        // The host handles Ctrl-C and SIGTERM itself (graceful shutdown); the parser must not race it.
        Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

    private static Command Serve()
    {
        var urls = new Option<string?>("--urls") { Description = $"Where to listen (default {ConveyorHost.DefaultUrls})." };
        var workers = new Option<int?>("--workers") { Description = "Workers in this process; 0 for an API-only node (default: processor count)." };
        var command = new Command("serve", "Serve the API and docs, and run workers unless --workers 0.")
        {
            urls, workers,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, _) =>
        {
            var args = PassThrough(parse);
            if (parse.GetValue(urls) is { } u) args.AddRange(["--urls", u]);
            if (parse.GetValue(workers) is { } w) args.Add($"--Conveyor:Workers:Count={w}");
            await using var app = ConveyorHost.BuildServer([.. args]);
            await app.RunAsync();
            return 0;
        });
        return command;
    }

    private static Command Worker()
    {
        var workers = new Option<int?>("--workers") { Description = "Workers in this process (default: processor count)." };
        var command = new Command("worker", "Run workers only (no HTTP); scale out by starting more of these.") { workers };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, _) =>
        {
            var args = PassThrough(parse);
            if (parse.GetValue(workers) is { } w) args.Add($"--Conveyor:Workers:Count={w}");
            using var host = ConveyorHost.BuildWorker([.. args]);
            await host.RunAsync();
            return 0;
        });
        return command;
    }

    private static Command Migrate()
    {
        var command = new Command("migrate", "Apply the store's migrations and exit (start-up applies them too).");
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            using var host = ConveyorHost.BuildMigrator([.. PassThrough(parse)]);
            var store = host.Services.GetRequiredService<IJobStore>();
            await store.MigrateAsync(ct);
            Console.Out.WriteLine("Migrations applied.");
            return 0;
        });
        return command;
    }

    private static List<string> PassThrough(ParseResult parse) => [.. parse.UnmatchedTokens];
}
