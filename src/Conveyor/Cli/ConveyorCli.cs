using System.CommandLine;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Core;
using Conveyor.Hosting;
using Conveyor.Storage;
using Microsoft.Extensions.Options;

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
        root.Subcommands.Add(Keys());
        root.Subcommands.Add(AuditCommands());
        root.Subcommands.Add(Types());
        root.Subcommands.Add(DemoCommands.Build(StoreHostAsync));
        foreach (var command in ClientCommands.All()) root.Subcommands.Add(command);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"conveyor: {error.Message}");
            Console.Error.WriteLine($"Run '{CommandPath(parse.CommandResult)} --help' for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            // The host handles Ctrl-C and SIGTERM itself (graceful shutdown); the parser must not race it.
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (OptionsValidationException e)
        {
            // One line per bad setting, each naming its key; no stack trace.
            foreach (var failure in e.Failures) Console.Error.WriteLine($"conveyor: bad setting: {failure}");
            return ExitCodes.BadSetting;
        }
    }

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
            var store = host.Services.GetRequiredService<IStoreLifecycle>();
            await store.MigrateAsync(ct);
            Console.Out.WriteLine("Migrations applied.");
            return 0;
        });
        return command;
    }

    /// <summary><c>keys create|list|revoke</c>: straight on the store, for the operator at the machine (audited as actor <c>cli</c>).</summary>
    private static Command Keys()
    {
        var name = new Option<string>("--name") { Description = "What the key is for.", Required = true };
        var role = new Option<string>("--role") { Description = "viewer, submitter, operator or admin.", Required = true };
        role.AcceptOnlyFromAmong([.. Roles.All]);
        var expires = new Option<DateTimeOffset?>("--expires-at") { Description = "When the key stops working (RFC 3339); default never." };
        var create = new Command("create", "Create an API key and print it once.") { name, role, expires };
        create.TreatUnmatchedTokensAsErrors = false;
        create.SetAction(async (parse, ct) =>
        {
            using var host = await StoreHostAsync(parse, ct);
            var time = host.Services.GetRequiredService<TimeProvider>();
            var (key, record) = ApiKeyGenerator.Create(parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(expires), time.GetUtcNow());
            await host.Services.GetRequiredService<IApiKeyAdmin>().InsertKeyAsync(record, CliAudit(AuditActions.KeyCreate) with
            {
                Details = KeyAuditDetails.Of(record),
            }, ct);
            Console.Out.WriteLine($"Created key {record.Id} ({record.Role}, prefix {record.Prefix}). Shown once, keep it safe:");
            Console.Out.WriteLine(key);
            return 0;
        });

        var list = new Command("list", "List API keys (never the keys themselves).");
        list.TreatUnmatchedTokensAsErrors = false;
        list.SetAction(async (parse, ct) =>
        {
            using var host = await StoreHostAsync(parse, ct);
            var keys = await host.Services.GetRequiredService<IApiKeyAdmin>().ListKeysAsync(ct);
            Console.Out.WriteLine($"{"id",-36}  {"prefix",-8}  {"role",-9}  {"state",-8}  name");
            foreach (var k in keys)
            {
                var state = k.RevokedAt is not null ? "revoked" : k.ExpiresAt <= DateTimeOffset.UtcNow ? "expired" : "active";
                Console.Out.WriteLine($"{k.Id,-36}  {k.Prefix,-8}  {k.Role,-9}  {state,-8}  {k.Name}");
            }
            return 0;
        });

        var id = new Argument<Guid>("id") { Description = "The key's id (from keys list)." };
        var revoke = new Command("revoke", "Revoke an API key.") { id };
        revoke.TreatUnmatchedTokensAsErrors = false;
        revoke.SetAction(async (parse, ct) =>
        {
            using var host = await StoreHostAsync(parse, ct);
            var revoked = await host.Services.GetRequiredService<IApiKeyAdmin>().RevokeKeyAsync(parse.GetValue(id), CliAudit(AuditActions.KeyRevoke), ct);
            if (revoked is null)
            {
                Console.Error.WriteLine($"No key {parse.GetValue(id)}.");
                return ExitCodes.NotFound;
            }
            Console.Out.WriteLine($"Revoked key {revoked.Id} ({revoked.Prefix}).");
            return 0;
        });

        // For an operator whose secret manager holds the bootstrap key: mint one here, store it there, start with it.
        var generate = new Command("generate", "Print a fresh, well-formed key without storing it (for Conveyor:Auth:BootstrapAdminKey).");
        generate.SetAction(_ =>
        {
            Console.Out.WriteLine(ApiKeyGenerator.NewKey());
            return ExitCodes.Ok;
        });

        return new Command("keys", "Manage API keys on the store directly.") { create, list, revoke, generate };
    }

    /// <summary><c>types pause|resume NAME</c>: the pause switch of a job type, straight on the store (audited as <c>cli:user</c>).</summary>
    private static Command Types()
    {
        Command Switch(string verb, bool paused, string description)
        {
            var type = new Argument<string>("type") { Description = "The job type (e.g. csv, transcription)." };
            var command = new Command(verb, description) { type };
            command.TreatUnmatchedTokensAsErrors = false;
            command.SetAction(async (parse, ct) =>
            {
                var name = parse.GetValue(type)!;
                if (!JobCreateRequestValidator.IsTypeName(name))
                {
                    Console.Error.WriteLine("The type must be a lowercase word of at most 64 characters (a-z, 0-9, '_', '.', '-').");
                    return ExitCodes.Usage;
                }
                using var host = await StoreHostAsync(parse, ct);
                var control = host.Services.GetRequiredService<ITypeControl>();
                var changed = paused
                    ? await control.PauseTypeAsync(name, CliAudit(AuditActions.TypePause), ct)
                    : await control.ResumeTypeAsync(name, CliAudit(AuditActions.TypeResume), ct);
                Console.Out.WriteLine(changed ? $"Type {name} {(paused ? "paused" : "resumed")}." : $"Type {name} was already {(paused ? "paused" : "running")}.");
                return 0;
            });
            return command;
        }

        var list = new Command("list", "List the paused job types.");
        list.TreatUnmatchedTokensAsErrors = false;
        list.SetAction(async (parse, ct) =>
        {
            using var host = await StoreHostAsync(parse, ct);
            foreach (var pause in await host.Services.GetRequiredService<ITypeControl>().ListPausedTypesAsync(ct))
                Console.Out.WriteLine($"{pause.Type}  paused {pause.PausedAt:O} by {pause.PausedBy}");
            return 0;
        });
        return new Command("types", "The pause switch of each job type.")
        {
            Switch("pause", paused: true, "Pause a job type: no node starts its jobs until it is resumed."),
            Switch("resume", paused: false, "Resume a paused job type."),
            list,
        };
    }

    /// <summary><c>audit verify</c>: walks the hash chain; exit code 1 and the first broken link when it does not hold.</summary>
    private static Command AuditCommands()
    {
        var verify = new Command("verify", "Check the audit log's hash chain; names the first broken link and exits non-zero.");
        verify.TreatUnmatchedTokensAsErrors = false;
        verify.SetAction(async (parse, ct) =>
        {
            using var host = await StoreHostAsync(parse, ct);
            var (count, broken) = await AuditVerifier.VerifyAsync(host.Services.GetRequiredService<IAuditReader>().ReadAuditChainAsync, ct);
            if (broken is not null)
            {
                Console.Error.WriteLine($"Audit chain BROKEN after {count} good events: {broken}");
                return ExitCodes.Failed;
            }
            Console.Out.WriteLine($"Audit chain intact: {count} events.");
            return 0;
        });
        return new Command("audit", "The audit log.") { verify };
    }

    private static async Task<IHost> StoreHostAsync(ParseResult parse, CancellationToken ct)
    {
        var host = ConveyorHost.BuildMigrator([.. PassThrough(parse), "--Logging:LogLevel:Default=Warning"]);
        await host.Services.GetRequiredService<IStoreLifecycle>().MigrateAsync(ct);
        return host;
    }

    private static AuditContext CliAudit(string action) => new("cli:" + Environment.UserName, Roles.Admin, action);

    /// <summary>"conveyor jobs list" for the command a parse ended on.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult? result)
    {
        var names = new List<string>();
        for (; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, result.Parent is null ? "conveyor" : result.Command.Name);
        return string.Join(' ', names);
    }

    private static List<string> PassThrough(ParseResult parse) => [.. parse.UnmatchedTokens];
}
