using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Conveyor.Client;

/// <summary>
/// A typed client for every <c>/api/v1</c> route of a Conveyor server. Construct it over an <see cref="HttpClient"/>
/// whose <see cref="HttpClient.BaseAddress"/> is the server (<see cref="Create"/>, or <c>services.AddConveyorClient</c>
/// for <c>IHttpClientFactory</c>). Every call takes a cancellation token; every refusal or failure of the server is a
/// <see cref="ConveyorApiException"/> carrying its problem.
/// </summary>
public sealed class ConveyorClient(HttpClient http)
{
    private const string Jobs = "api/v1/jobs";

    /// <summary>The HTTP client underneath (its base address is the server).</summary>
    public HttpClient Http { get; } = http;

    /// <summary>A client that owns a new <see cref="HttpClient"/> for <paramref name="baseAddress"/>, sending <paramref name="apiKey"/>.</summary>
    public static ConveyorClient Create(Uri baseAddress, string? apiKey)
    {
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        Configure(http, new ConveyorClientOptions { BaseAddress = baseAddress, ApiKey = apiKey });
        return new ConveyorClient(http);
    }

    internal static void Configure(HttpClient http, ConveyorClientOptions options)
    {
        if (options.BaseAddress is { } address)
            http.BaseAddress = address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
        if (!string.IsNullOrEmpty(options.ApiKey)) http.DefaultRequestHeaders.TryAddWithoutValidation("X-Api-Key", options.ApiKey);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    // ---- jobs ----

    /// <summary><c>POST /api/v1/jobs</c>. With <paramref name="idempotencyKey"/>, a repeat of the same body returns the same job.</summary>
    public async Task<Job> CreateJobAsync(NewJob job, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Jobs) { Content = Json(job) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await SendAsync<Job>(request, cancellationToken);
    }

    /// <summary><c>POST /api/v1/jobs/batch</c>: up to 1,000 jobs in one transaction, all or none.</summary>
    public async Task<IReadOnlyList<Job>> CreateJobsAsync(IEnumerable<NewJob> jobs, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Jobs + "/batch") { Content = Json(new { jobs = jobs.ToList() }) };
        return (await SendAsync<BatchResult>(request, cancellationToken)).Items;
    }

    /// <summary><c>GET /api/v1/jobs</c>: one page.</summary>
    public Task<JobPage> ListJobsAsync(JobQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new JobQuery();
        var parameters = new List<(string, string?)>
        {
            ("status", query.Status is { Count: > 0 } s ? string.Join(",", s.Select(Word)) : null),
            ("type", query.Type), ("source_type", query.SourceType), ("dataset", query.Dataset),
            ("session_id", query.SessionId?.ToString()), ("q", query.Q), ("sort_by", query.SortBy), ("sort_order", query.SortOrder),
            ("page", Number(query.Page)), ("limit", Number(query.Limit)), ("cursor", query.Cursor),
        };
        return GetAsync<JobPage>(Jobs + Query(parameters), cancellationToken);
    }

    /// <summary>Every job the query matches, following <c>next_cursor</c> page after page.</summary>
    public async IAsyncEnumerable<Job> ListAllJobsAsync(JobQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query = (query ?? new JobQuery()) with { Page = null };
        while (true)
        {
            var page = await ListJobsAsync(query, cancellationToken);
            foreach (var job in page.Items) yield return job;
            if (page.NextCursor is null || page.Items.Count == 0) yield break;
            query = query with { Cursor = page.NextCursor };
        }
    }

    /// <summary><c>GET /api/v1/jobs/{id}</c>.</summary>
    public Task<Job> GetJobAsync(Guid id, CancellationToken cancellationToken = default) => GetAsync<Job>($"{Jobs}/{id}", cancellationToken);

    /// <summary><c>GET /api/v1/jobs/{id}/events</c>: the job's history, oldest first.</summary>
    public async Task<IReadOnlyList<JobEvent>> GetJobEventsAsync(Guid id, CancellationToken cancellationToken = default) =>
        (await GetAsync<EventList>($"{Jobs}/{id}/events", cancellationToken)).Items;

    /// <summary><c>POST /api/v1/jobs/{id}/cancel</c>: queued jobs cancel at once, running ones within a heartbeat.</summary>
    public Task<Job> CancelJobAsync(Guid id, CancellationToken cancellationToken = default) => PostAsync<Job>($"{Jobs}/{id}/cancel", null, cancellationToken);

    /// <summary><c>DELETE /api/v1/jobs/{id}</c>: cancel, answering nothing.</summary>
    public async Task DeleteJobAsync(Guid id, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{Jobs}/{id}");
        using var response = await Http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary><c>POST /api/v1/jobs/{id}/retry</c>: a failed job again as a new job, with <paramref name="configOverride"/> applied.</summary>
    public Task<Job> RetryJobAsync(Guid id, ConfigOverride? configOverride = null, CancellationToken cancellationToken = default) =>
        PostAsync<Job>($"{Jobs}/{id}/retry", configOverride is null ? null : new { config_override = configOverride }, cancellationToken);

    /// <summary><c>POST /api/v1/jobs/{id}/requeue</c>: a failed job back to queued, its history kept.</summary>
    public Task<Job> RequeueJobAsync(Guid id, CancellationToken cancellationToken = default) => PostAsync<Job>($"{Jobs}/{id}/requeue", null, cancellationToken);

    /// <summary>
    /// <c>POST /api/v1/jobs/bulk</c> (operator): <paramref name="action"/> (<c>cancel</c>, <c>requeue</c> or <c>retry</c>) on
    /// every job <paramref name="filter"/> matches, not only a page, in batches on the server; with <paramref name="dryRun"/>
    /// only the count, to confirm first.
    /// </summary>
    public Task<BulkActionResult> BulkJobsAsync(string action, BulkFilter filter, bool dryRun = false, CancellationToken cancellationToken = default) =>
        PostAsync<BulkActionResult>($"{Jobs}/bulk", new BulkRequest(action, filter, dryRun), cancellationToken);

    /// <summary>
    /// <c>GET /api/v1/jobs/{id}/stream</c>: the job's status and counters as they are, then each change, pushed by the server
    /// (Server-Sent Events) until the job has finished. The stream can outlive <see cref="HttpClient.Timeout"/>: give this
    /// client an infinite one to follow long jobs.
    /// </summary>
    public async IAsyncEnumerable<JobProgress> StreamJobAsync(Guid id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Jobs}/{id}/stream");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            if (JsonSerializer.Deserialize<JobProgress>(item.Data, ClientJson.Options) is { } progress) yield return progress;
        }
    }

    /// <summary><c>GET /api/v1/jobs/{id}/log</c>: the lines its handler logged for it (the newest 1,000), oldest first, after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<JobLogLine>> GetJobLogAsync(Guid id, long? after = null, CancellationToken cancellationToken = default) =>
        (await GetAsync<JobLog>($"{Jobs}/{id}/log" + Query([("after", after?.ToString(CultureInfo.InvariantCulture))]), cancellationToken)).Items;

    /// <summary>
    /// The job each time it changes (status, progress counters), ending with it finished. It polls every
    /// <paramref name="interval"/> (default 500 ms); <see cref="StreamJobAsync"/> has the server push each change instead.
    /// </summary>
    public async IAsyncEnumerable<Job> WatchJobAsync(Guid id, TimeSpan? interval = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var every = interval ?? TimeSpan.FromMilliseconds(500);
        Job? last = null;
        while (true)
        {
            var job = await GetJobAsync(id, cancellationToken);
            if (last is null || job.UpdatedAt != last.UpdatedAt || job.Status != last.Status || job.RecordsProcessed != last.RecordsProcessed)
                yield return job;
            if (job.Status.IsFinished()) yield break;
            last = job;
            await Task.Delay(every, cancellationToken);
        }
    }

    /// <summary>Waits until the job is finished and returns it (see <see cref="WatchJobAsync"/>).</summary>
    public async Task<Job> WaitForJobAsync(Guid id, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        Job? last = null;
        await foreach (var job in WatchJobAsync(id, interval, cancellationToken)) last = job;
        return last!;
    }

    // ---- ingestion ----

    /// <summary>
    /// <c>POST /api/v1/upload</c>: one queued job per file, the type sniffed from the bytes. <paramref name="progress"/>
    /// hears the bytes sent as they go. The streams are read once and disposed.
    /// </summary>
    public async Task<IReadOnlyList<Job>> UploadAsync(IReadOnlyList<UploadFile> files, UploadSettings? settings = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(files.Count);
        var lengths = files.Select(f => Remaining(f.Content)).ToList();
        long? total = lengths.All(l => l is not null) ? lengths.Sum() : null;
        long sent = 0;
        void Sent(long bytes) => progress?.Report(new TransferProgress(Interlocked.Add(ref sent, bytes), total));

        using var form = new MultipartFormDataContent();
        if (settings?.Dataset is { } dataset) form.Add(new StringContent(dataset), "dataset");
        if (settings?.Priority is { } priority) form.Add(new StringContent(priority.ToString(CultureInfo.InvariantCulture)), "priority");
        if (settings?.Metadata is { } metadata) form.Add(new StringContent(metadata.GetRawText(), Encoding.UTF8), "metadata");
        for (var i = 0; i < files.Count; i++)
        {
            var part = new ProgressContent(files[i].Content, lengths[i], Sent);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "file", files[i].FileName);
        }
        progress?.Report(new TransferProgress(0, total));
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/upload") { Content = form };
        return (await SendAsync<BatchResult>(request, cancellationToken)).Items;
    }

    /// <summary>
    /// <c>POST /api/v1/ingest/json</c>: records as a JSON array (<paramref name="ndjson"/> false) or NDJSON, streamed
    /// from <paramref name="body"/> (which is disposed); one queued job.
    /// </summary>
    public async Task<Job> IngestJsonAsync(Stream body, bool ndjson, string? dataset = null, int? priority = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var length = Remaining(body);
        long sent = 0;
        var content = new ProgressContent(body, length, bytes => progress?.Report(new TransferProgress(sent += bytes, length)));
        content.Headers.ContentType = new MediaTypeHeaderValue(ndjson ? "application/x-ndjson" : "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post,
            "api/v1/ingest/json" + Query([("dataset", dataset), ("priority", Number(priority))])) { Content = content };
        return await SendAsync<Job>(request, cancellationToken);
    }

    /// <summary><c>GET /api/v1/jobs/{id}/detection</c>: what content detection found (format, delimiter, columns…).</summary>
    public Task<JsonElement> GetDetectionAsync(Guid id, CancellationToken cancellationToken = default) =>
        GetAsync<JsonElement>($"{Jobs}/{id}/detection", cancellationToken);

    /// <summary><c>GET /api/v1/jobs/{id}/records</c>: one page of the job's loaded rows.</summary>
    public Task<RecordPage> GetJobRecordsAsync(Guid id, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        GetAsync<RecordPage>($"{Jobs}/{id}/records" + Query([("limit", Number(limit)), ("cursor", cursor)]), cancellationToken);

    /// <summary><c>GET /api/v1/jobs/{id}/failures</c>: the rows that failed to parse.</summary>
    public Task<FailureList> GetJobFailuresAsync(Guid id, CancellationToken cancellationToken = default) =>
        GetAsync<FailureList>($"{Jobs}/{id}/failures", cancellationToken);

    // ---- datasets ----

    /// <summary><c>GET /api/v1/datasets</c>.</summary>
    public async Task<IReadOnlyList<Dataset>> ListDatasetsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync<Items<Dataset>>("api/v1/datasets", cancellationToken)).List;

    /// <summary><c>GET /api/v1/datasets/{name}/records</c>: one page of a dataset's rows.</summary>
    public Task<RecordPage> GetDatasetRecordsAsync(string name, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        GetAsync<RecordPage>($"api/v1/datasets/{Uri.EscapeDataString(name)}/records" + Query([("limit", Number(limit)), ("cursor", cursor)]), cancellationToken);

    /// <summary>Every row of a dataset as CSV (<c>Accept: text/csv</c>), streamed into <paramref name="destination"/>.</summary>
    public async Task ExportDatasetCsvAsync(string name, Stream destination, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/datasets/{Uri.EscapeDataString(name)}/records");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await response.Content.CopyToAsync(destination, cancellationToken);
    }

    // ---- sessions ----

    /// <summary>
    /// <c>POST /ingest/session</c>: a session and its queued transcription job, in one transaction. A file goes as
    /// multipart/form-data (<paramref name="progress"/> hears its bytes; the stream is read once and disposed), an
    /// inline transcript or a source URI as JSON.
    /// </summary>
    public async Task<Session> IngestSessionAsync(NewSession session, IProgress<TransferProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        HttpContent content;
        if (session.File is { } file)
        {
            var length = Remaining(file.Content);
            long sent = 0;
            var part = new ProgressContent(file.Content, length, bytes => progress?.Report(new TransferProgress(sent += bytes, length)));
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var form = new MultipartFormDataContent
            {
                { new StringContent(session.CourseId), "course_id" },
                { new StringContent(session.Title), "title" },
            };
            if (session.Transcript is { } text) form.Add(new StringContent(text), "transcript");
            if (session.SourceUri is { } uri) form.Add(new StringContent(uri.AbsoluteUri), "source_uri");
            form.Add(part, "file", file.FileName);
            progress?.Report(new TransferProgress(0, length));
            content = form;
        }
        else
        {
            content = Json(new { course_id = session.CourseId, title = session.Title, transcript = session.Transcript, source_uri = session.SourceUri?.AbsoluteUri });
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "ingest/session") { Content = content };
        return await SendAsync<Session>(request, cancellationToken);
    }

    /// <summary><c>GET /api/v1/sessions</c>: one page, newest first.</summary>
    public Task<SessionPage> ListSessionsAsync(SessionQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new SessionQuery();
        return GetAsync<SessionPage>("api/v1/sessions" + Query([
            ("course_id", query.CourseId), ("synthetic", query.Synthetic is { } synthetic ? (synthetic ? "true" : "false") : null),
            ("limit", Number(query.Limit)), ("cursor", query.Cursor),
        ]), cancellationToken);
    }

    /// <summary>Every session the query matches, following <c>next_cursor</c> page after page.</summary>
    public async IAsyncEnumerable<SessionListItem> ListAllSessionsAsync(SessionQuery? query = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new SessionQuery();
        while (true)
        {
            var page = await ListSessionsAsync(query, cancellationToken);
            foreach (var session in page.Items) yield return session;
            if (page.NextCursor is null || page.Items.Count == 0) yield break;
            query = query with { Cursor = page.NextCursor };
        }
    }

    /// <summary><c>GET /api/v1/sessions/{id}</c>: the session with its badge, jobs, transcript and summary.</summary>
    public Task<Session> GetSessionAsync(Guid id, CancellationToken cancellationToken = default) =>
        GetAsync<Session>($"api/v1/sessions/{id}", cancellationToken);

    // ---- types and schedules ----

    /// <summary><c>GET /api/v1/types</c>: every job type with its pause switch and limits.</summary>
    public async Task<IReadOnlyList<JobType>> ListTypesAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync<Items<JobType>>("api/v1/types", cancellationToken)).List;

    /// <summary><c>POST /api/v1/types/{name}/pause</c> (operator): no node starts a job of the type; running ones finish.</summary>
    public Task<JobType> PauseTypeAsync(string name, CancellationToken cancellationToken = default) =>
        PostAsync<JobType>($"api/v1/types/{Uri.EscapeDataString(name)}/pause", null, cancellationToken);

    /// <summary><c>POST /api/v1/types/{name}/resume</c> (operator).</summary>
    public Task<JobType> ResumeTypeAsync(string name, CancellationToken cancellationToken = default) =>
        PostAsync<JobType>($"api/v1/types/{Uri.EscapeDataString(name)}/resume", null, cancellationToken);

    /// <summary><c>GET /api/v1/schedules</c>: the periodic jobs the server runs.</summary>
    public async Task<IReadOnlyList<Schedule>> ListSchedulesAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync<Items<Schedule>>("api/v1/schedules", cancellationToken)).List;

    /// <summary><c>GET /api/v1/nodes</c>: every API and worker process, its heartbeat and workers, and which one leads.</summary>
    public async Task<IReadOnlyList<Node>> ListNodesAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync<Items<Node>>("api/v1/nodes", cancellationToken)).List;

    /// <summary><c>GET /api/v1/stats</c>: throughput, queue depth, failure rate and run times of the last 24 hours.</summary>
    public Task<Stats> GetStatsAsync(CancellationToken cancellationToken = default) => GetAsync<Stats>("api/v1/stats", cancellationToken);

    // ---- keys and audit (admin) ----

    /// <summary><c>POST /api/v1/keys</c>: the new key, shown this once.</summary>
    public Task<CreatedApiKey> CreateKeyAsync(string name, string role, DateTimeOffset? expiresAt = null, CancellationToken cancellationToken = default) =>
        PostAsync<CreatedApiKey>("api/v1/keys", new { name, role, expires_at = expiresAt }, cancellationToken);

    /// <summary><c>GET /api/v1/keys</c>: every key, never the key itself.</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync<Items<ApiKeyInfo>>("api/v1/keys", cancellationToken)).List;

    /// <summary><c>DELETE /api/v1/keys/{id}</c>.</summary>
    public async Task RevokeKeyAsync(Guid id, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"api/v1/keys/{id}");
        using var response = await Http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary><c>GET /api/v1/audit</c>: one page of the audit log.</summary>
    public Task<AuditPage> ListAuditAsync(AuditQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new AuditQuery();
        return GetAsync<AuditPage>("api/v1/audit" + Query([
            ("action", query.Action), ("actor", query.Actor), ("target", query.Target),
            ("from", query.From?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)), ("to", query.To?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("limit", Number(query.Limit)), ("cursor", query.Cursor),
        ]), cancellationToken);
    }

    // ---- plumbing ----

    private sealed record BatchResult(IReadOnlyList<Guid> Ids, IReadOnlyList<Job> Items);

    private sealed record EventList(Guid JobId, IReadOnlyList<JobEvent> Items);

    private sealed record Items<T>(IReadOnlyList<T> List);

    private sealed record JobLog(Guid JobId, IReadOnlyList<JobLogLine> Items);

    private sealed record BulkRequest(string Action, BulkFilter Filter, bool DryRun);

    private async Task<T> GetAsync<T>(string uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        return await SendAsync<T>(request, cancellationToken);
    }

    private async Task<T> PostAsync<T>(string uri, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = body is null ? null : Json(body) };
        return await SendAsync<T>(request, cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        if (typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(Items<>))
        {
            // The list resources are {"items": [...]}; Items<T> names its one member List for the reader's sake.
            var document = await response.Content.ReadFromJsonAsync<JsonElement>(ClientJson.Options, cancellationToken);
            var list = document.GetProperty("items").Deserialize(typeof(T).GetGenericArguments()[0].MakeArrayType(), ClientJson.Options);
            return (T)Activator.CreateInstance(typeof(T), list)!;
        }
        return await response.Content.ReadFromJsonAsync<T>(ClientJson.Options, cancellationToken)
            ?? throw new ConveyorApiException(response.StatusCode, "Empty response", "The server answered with no body.");
    }

    /// <summary>Turns a non-2xx answer into a <see cref="ConveyorApiException"/> from its problem (or its status line when it has none).</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var status = response.StatusCode;
        var title = response.ReasonPhrase ?? status.ToString();
        string? detail = null, reference = null, traceId = null, type = null, instance = null;
        Dictionary<string, string[]>? errors = null;
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                if (problem.ValueKind == JsonValueKind.Object)
                {
                    title = String(problem, "title") ?? title;
                    detail = String(problem, "detail");
                    reference = String(problem, "error_reference");
                    traceId = String(problem, "trace_id");
                    type = String(problem, "type");
                    instance = String(problem, "instance");
                    if (problem.TryGetProperty("errors", out var map) && map.ValueKind == JsonValueKind.Object)
                        errors = map.EnumerateObject().ToDictionary(p => p.Name,
                            p => p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(v => v.ToString()).ToArray() : [p.Value.ToString()]);
                }
            }
            catch (JsonException)
            {
                // Not a problem document after all: the status line says what there is to say.
            }
        }
        throw new ConveyorApiException(status, title, detail, errors, reference, traceId, type, instance);
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonContent Json(object body) => JsonContent.Create(body, body.GetType(), options: ClientJson.Options);

    private static long? Remaining(Stream stream) => stream.CanSeek ? stream.Length - stream.Position : null;

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string Word(JobStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    private static string Query(IEnumerable<(string Name, string? Value)> parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join("&", given);
    }
}
