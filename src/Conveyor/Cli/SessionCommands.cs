using Conveyor.Client;
using System.CommandLine;
using Spectre.Console;

namespace Conveyor.Cli;

/// <summary>
/// <c>conveyor sessions list|show|add</c>: a course's sessions with their badge, one session's transcript and summary,
/// and a new session from captions, a transcript or audio (with <c>--follow</c>, until it is Ready or Failed).
/// </summary>
public static class SessionCommands
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public static Command Build()
    {
        var course = new Option<string?>("--course") { Description = "Only this course's sessions." };
        var synthetic = new Option<bool?>("--synthetic") { Description = "Only synthetic (true) or only real (false) sessions." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (1-100, default 20)." };
        var cursor = new Option<string?>("--cursor") { Description = "Continue from a previous page's next_cursor." };
        var quiet = ClientCommands.Quiet("session");
        var list = ClientCommands.Client("list", "List sessions with their badge, newest first.", async (parse, context, client, ct) =>
        {
            var page = await client.ListSessionsAsync(new SessionQuery
            {
                CourseId = parse.GetValue(course), Synthetic = parse.GetValue(synthetic), Limit = parse.GetValue(limit), Cursor = parse.GetValue(cursor),
            }, ct);
            if (context.Json) context.WriteJson(page);
            else if (parse.GetValue(quiet)) foreach (var session in page.Items) Console.Out.WriteLine(session.Id);
            else
            {
                context.Console.Write(SessionViews.Sessions(page.Items));
                Console.Out.WriteLine($"{page.Items.Count} sessions" + (page.NextCursor is null ? "" : $"; more with --cursor {page.NextCursor}"));
            }
            return ExitCodes.Ok;
        }, course, synthetic, limit, cursor, quiet);

        var showId = new Argument<Guid>("id") { Description = "The session's id." };
        var segments = new Option<bool>("--transcript") { Description = "Also print the transcript, segment by segment." };
        var show = ClientCommands.Client("show", "Show a session: its badge, jobs, summary and key points.", async (parse, context, client, ct) =>
        {
            var session = await client.GetSessionAsync(parse.GetValue(showId), ct);
            if (context.Json) context.WriteJson(session);
            else
            {
                context.Console.Write(SessionViews.Session(session));
                if (parse.GetValue(segments) && session.Transcript is { } transcript) context.Console.Write(SessionViews.Segments(transcript));
            }
            return ExitCodes.Ok;
        }, showId, segments);

        return new Command("sessions", "Sessions (captions, a transcript or audio → a transcript and a summary) on a server.") { list, show, Add() };
    }

    private static Command Add()
    {
        var file = new Argument<FileInfo?>("file")
        {
            Description = "WebVTT or SRT captions, a text transcript, or WAV/MP3/OGG/FLAC/M4A audio.", Arity = ArgumentArity.ZeroOrOne,
        };
        var course = new Option<string>("--course") { Description = "The course the session belongs to.", Required = true };
        var title = new Option<string>("--title") { Description = "The session's title.", Required = true };
        var transcript = new Option<string?>("--transcript") { Description = "The transcript itself, instead of a file." };
        var sourceUri = new Option<Uri?>("--source-uri") { Description = "An http(s) URL the server fetches the source from, instead of a file." };
        var follow = new Option<bool>("--follow") { Description = "Wait until the session is Ready (exit 0) or Failed or Cancelled (exit 1)." };
        var quiet = ClientCommands.Quiet("session");
        return ClientCommands.Client("add", "Create a session from one source and queue its transcription and summary.", async (parse, context, client, ct) =>
        {
            var path = parse.GetValue(file);
            if (path is not null && !path.Exists) throw new UsageException($"no such file: {path.FullName}");
            var request = new NewSession(parse.GetValue(course)!, parse.GetValue(title)!)
            {
                File = path is null ? null : UploadFile.FromPath(path.FullName),
                Transcript = parse.GetValue(transcript),
                SourceUri = parse.GetValue(sourceUri),
            };
            var quietly = parse.GetValue(quiet) && !context.Json;
            var session = context.Live && request.File is not null
                ? await UploadAsync(context, client, request, ct)
                : await client.IngestSessionAsync(request, null, ct);
            if (parse.GetValue(follow)) session = await FollowAsync(quietly ? context.Quietly() : context, client, session, ct);
            if (context.Json) context.WriteJson(session);
            else if (quietly) Console.Out.WriteLine(session.Id);
            else if (!parse.GetValue(follow)) Console.Out.WriteLine($"{session.Id} {session.StatusBadge.Label}");
            return parse.GetValue(follow) && session.StatusBadge.Label != "Ready" ? ExitCodes.Failed : ExitCodes.Ok;
        }, file, course, title, transcript, sourceUri, follow, quiet);
    }

    private static async Task<Session> UploadAsync(ClientContext context, ConveyorClient client, NewSession request, CancellationToken ct)
    {
        Session? session = null;
        await context.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape($"upload {request.File!.FileName}"), maxValue: Math.Max(1, request.File.Content.Length));
                session = await client.IngestSessionAsync(request, new Reporter(p => task.Value = p.BytesSent), ct);
                task.Value = task.MaxValue;
            });
        return session!;
    }

    /// <summary>Polls the session until its badge is Ready, Failed or Cancelled: a spinner with the badge on a terminal, one line at the end otherwise.</summary>
    private static async Task<Session> FollowAsync(ClientContext context, ConveyorClient client, Session session, CancellationToken ct)
    {
        async Task<Session> UntilSettledAsync(Action<Session> shown)
        {
            while (!SessionViews.IsSettled(session))
            {
                await Task.Delay(Poll, ct);
                session = await client.GetSessionAsync(session.Id, ct);
                shown(session);
            }
            return session;
        }

        if (!context.Live)
        {
            session = await UntilSettledAsync(_ => { });
            if (!context.Json) Console.Out.WriteLine(SessionViews.Line(session));
            return session;
        }
        await context.Console.Status().StartAsync(SessionViews.Describe(session),
            async status => await UntilSettledAsync(s => status.Status = SessionViews.Describe(s)));
        context.Console.MarkupLine(SessionViews.Describe(session));
        return session;
    }

    private sealed class Reporter(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }
}
