using System.Text;
using Conveyor.Api.V1.Ingestion;
using Conveyor.Api.V1.Sessions;
using Conveyor.Application;
using Conveyor.Audit;
using Conveyor.Auth;
using Conveyor.Ingestion;
using Conveyor.Ingestion.Detection;
using Microsoft.Extensions.Options;

namespace Conveyor.Api.Seeds;

/// <summary>
/// Seeds 000/001's <c>POST /ingest/session</c> (submitter+): a session in <c>draft</c> and its <c>transcription</c> job, in
/// one transaction. The source is one of: a file (multipart: captions, a text transcript or audio), an inline
/// <c>transcript</c>, or a <c>source_uri</c> the worker fetches. The answer is 200, as the seed's clients expect, with
/// the session (SPEC §5) and its <c>Location</c>.
/// </summary>
public static class SessionIngestEndpoints
{
    internal const string InlineName = "transcript.txt";

    public static RouteHandlerBuilder MapSessionIngest(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/ingest/session", IngestAsync)
            .WithTags("Seeds 000/001: sessions")
            .WithName("IngestSession")
            .WithSummary("Create a session and queue its transcription (seeds 000/001)")
            .WithDescription("multipart/form-data with course_id, title and one source: a file (WebVTT, SRT, a text transcript, or " +
                "WAV/MP3/OGG/FLAC/M4A audio for the configured engine), a transcript field, or a source_uri field; or application/json " +
                "{course_id, title, transcript | source_uri}. 200 with the session; when transcription succeeds its summarization is queued.")
            .DisableAntiforgery()
            .RequireAuthorization(Policies.Submitter)
            .Audited(AuditActions.SessionCreate)
            .Accepts<IngestSessionRequest>("application/json", "multipart/form-data")
            .Produces<SessionResource>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

    private static async Task<IResult> IngestAsync(HttpContext context, SessionService sessions, StorageRoot root,
        IOptions<UploadOptions> uploadOptions, CancellationToken ct)
    {
        var limits = uploadOptions.Value;
        string? courseId = null, title = null, transcript = null, sourceUri = null;
        ReceivedFile? file = null;
        try
        {
            if (context.Request.HasJsonContentType())
            {
                var body = await JsonBody.ReadAsync<IngestSessionRequest>(context.Request, required: true, ct);
                if (body.Problem is not null) return body.Problem;
                (courseId, title, transcript, sourceUri) = body.Value!;
            }
            else if (!MultipartForm.IsMultipart(context.Request))
            {
                return Problems.UnsupportedMediaType("The body must be application/json or multipart/form-data.");
            }
            else
            {
                if (MultipartForm.Refusal(context, limits.MaxRequestBytes, out var boundary) is { } refused) return refused;
                await MultipartForm.ReadAsync(context, boundary,
                    (name, value) =>
                    {
                        switch (name)
                        {
                            case "course_id": courseId = value; break;
                            case "title": title = value; break;
                            case "transcript": transcript = value; break;
                            case "source_uri": sourceUri = value; break;
                            default: throw UploadRejectedException.BadRequest($"Unknown form field '{name}'; use course_id, title, transcript or source_uri.");
                        }
                    },
                    async (section, fileName) =>
                    {
                        if (file is not null) throw UploadRejectedException.BadRequest("A session takes one file.");
                        file = await FileReceiver.ReceiveAsync(section, root, FileNames.Sanitize(fileName), limits.MaxFileBytes, Refuse, ct);
                        file = file with { ClientName = MultipartForm.DisplayName(fileName) };
                    }, ct);
            }

            if (transcript is not null)
            {
                if (file is not null || sourceUri is not null)
                    throw new ValidationFailedException(new() { ["source"] = ["Give only one source: a file, a transcript or a source_uri."] });
                if (string.IsNullOrWhiteSpace(transcript)) throw new ValidationFailedException(new() { ["transcript"] = ["Must not be empty."] });
                using var text = new MemoryStream(Encoding.UTF8.GetBytes(transcript));
                file = await FileReceiver.ReceiveAsync(text, root, InlineName, limits.MaxFileBytes, Refuse, ct);
            }

            var request = new SessionRequest(courseId, title, file, InlineTranscript: transcript is not null, sourceUri);
            var outcome = await sessions.CreateAsync(request, RequestAudit.For(context, AuditActions.SessionCreate), ct);
            if (!outcome.Succeeded && file is not null) FileReceiver.Remove(file.Directory);
            return outcome.ToResult(created =>
            {
                context.Response.Headers.Location = $"{SessionLinks.Base}/{created.Session.Id}";
                return TypedResults.Ok(SessionResource.From(created.Session));
            });
        }
        catch (Exception e)
        {
            if (file is not null) FileReceiver.Remove(file.Directory);
            return MultipartForm.Failure(e, context);
        }
    }

    /// <summary>Captions, a text transcript or audio; anything else is not a session's source.</summary>
    internal static string? Refuse(SniffResult sniff) =>
        !sniff.Gzip && sniff.Kind is ContentKind.WebVtt or ContentKind.Srt or ContentKind.Text or ContentKind.Csv or ContentKind.Audio
            ? null
            : $"Content detected as {(sniff.Gzip ? "gzip" : sniff.Kind.ToString().ToLowerInvariant())} is not a session's source; " +
              "give WebVTT or SRT captions, a text transcript, or WAV, MP3, OGG, FLAC or M4A audio.";
}
