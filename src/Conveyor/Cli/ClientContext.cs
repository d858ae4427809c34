using System.Net;
using System.Text.Json;
using Conveyor.Client;
using Spectre.Console;

namespace Conveyor.Cli;

/// <summary>
/// What a client command runs with: the server (<c>--server</c>, <c>CONVEYOR_URL</c>, the login profile, or the local
/// default), the key (<c>CONVEYOR_API_KEY</c> or the profile), <c>--json</c>, and a console that shows colours and
/// bars only on a terminal and never when <c>NO_COLOR</c> is set. Turns every failure into one line and an exit code.
/// </summary>
public sealed class ClientContext
{
    private ClientContext(Uri server, string? apiKey, bool json, bool quiet = false)
    {
        _quiet = quiet;
        Server = server;
        ApiKey = apiKey;
        Json = json;
        var noColor = Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 };
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = noColor || !IsTerminal ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(System.Console.Out),
        });
        // Piped into a file or another program, a table is not squeezed into 80 columns.
        if (!IsTerminal) Console.Profile.Width = 240;
    }

    private readonly bool _quiet;

    public Uri Server { get; }
    public string? ApiKey { get; }
    /// <summary><c>--json</c>: only machine-readable output on stdout.</summary>
    public bool Json { get; }
    public IAnsiConsole Console { get; }
    /// <summary>Bars and live tables: only when stdout is a terminal and the output is not JSON.</summary>
    public bool Live => IsTerminal && !Json && !_quiet;

    /// <summary>The same server and key, with no bars and no lines of progress (<c>--quiet</c>: only ids are printed).</summary>
    public ClientContext Quietly() => new(Server, ApiKey, json: true, quiet: true);

    private static bool IsTerminal => !System.Console.IsOutputRedirected;

    public static readonly JsonSerializerOptions OutputJson = new(ClientJson.Options) { WriteIndented = true };

    public static ClientContext From(string? server, bool json)
    {
        var profile = ClientProfile.Load();
        var url = server ?? Environment.GetEnvironmentVariable("CONVEYOR_URL") ?? profile?.Server ?? Hosting.ConveyorHost.DefaultUrls;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new UsageException($"--server / CONVEYOR_URL must be an http:// or https:// URL, not '{url}'.");
        var key = Environment.GetEnvironmentVariable("CONVEYOR_API_KEY") is { Length: > 0 } env ? env : profile?.ApiKey;
        return new ClientContext(uri, key, json);
    }

    public ConveyorClient NewClient() => ConveyorClient.Create(Server, ApiKey);

    /// <summary>Prints <paramref name="value"/> as JSON on stdout (the whole output of a <c>--json</c> command).</summary>
    public void WriteJson<T>(T value) => System.Console.Out.WriteLine(JsonSerializer.Serialize(value, OutputJson));

    /// <summary>Runs a client command: its exit code, or the class of what went wrong, as one line on stderr.</summary>
    public async Task<int> RunAsync(Func<ConveyorClient, Task<int>> command)
    {
        using var client = NewClient().Http;
        try
        {
            return await command(new ConveyorClient(client));
        }
        catch (ConveyorApiException e)
        {
            if (e.Status == HttpStatusCode.Unauthorized && string.IsNullOrEmpty(ApiKey))
                return Fail(e, "no API key: set CONVEYOR_API_KEY or run 'conveyor login'");
            return Fail(e, e.Status == HttpStatusCode.Unauthorized ? "the API key was refused (wrong, revoked or expired)" : null);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            var line = $"cannot reach {Server}: {e.Message}";
            if (Json) WriteJson(new { error = new { title = "Unreachable", detail = line } });
            System.Console.Error.WriteLine($"conveyor: {line}");
            return ExitCodes.Server;
        }
        catch (UsageException e)
        {
            if (Json) WriteJson(new { error = new { title = "Usage", detail = e.Message } });
            System.Console.Error.WriteLine($"conveyor: {e.Message}");
            return ExitCodes.Usage;
        }
    }

    private int Fail(ConveyorApiException e, string? hint)
    {
        if (Json)
        {
            WriteJson(new
            {
                error = new { status = (int)e.Status, title = e.Title, detail = e.Detail, errors = e.Errors, error_reference = e.ErrorReference, trace_id = e.TraceId },
            });
        }
        System.Console.Error.WriteLine($"conveyor: {e.Message}" + (hint is null ? "" : $" ({hint})"));
        return ExitCodeOf(e.Status);
    }

    public static int ExitCodeOf(HttpStatusCode status) => (int)status switch
    {
        400 or 413 or 415 or 422 => ExitCodes.Usage,
        401 or 403 => ExitCodes.Auth,
        404 => ExitCodes.NotFound,
        409 or 412 => ExitCodes.Conflict,
        429 or >= 500 => ExitCodes.Server,
        _ => ExitCodes.Failed,
    };
}

/// <summary>A command line that cannot be carried out as given (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);
