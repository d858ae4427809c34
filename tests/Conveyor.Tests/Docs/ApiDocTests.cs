using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests.Docs;

/// <summary>
/// docs/api.md cannot drift from the server: its route tables list every operation of the OpenAPI document with exactly
/// the 4xx answers the document gives it; every operation has a curl example that succeeds; every error class the
/// document names has a curl example; and every curl example of "Every route by example" is run, in order, against a
/// real server and must answer the status (and problem title) written after it.
/// </summary>
public sealed partial class ApiDocTests
{
    private const string Section = "## Every route by example";

    /// <summary>An example: its shell line and what it must answer (<c># 404 Not found</c>: status, then the problem's title).</summary>
    private sealed record Example(string Command, int Status, string? Title, string Method, string Path);

    /// <summary>A line of the section's shell blocks: a curl example, or a line that prepares one (a file it sends).</summary>
    private sealed record Line(string Text, Example? Example);

    [GeneratedRegex(@"^(?<command>curl .*?)\s+#\s*(?<status>\d{3})(?:\s+(?<title>.+))?$")]
    private static partial Regex CurlLine();

    [GeneratedRegex(@"localhost:5080(?<path>/[^\s'""?;]*)")]
    private static partial Regex Url();

    [GeneratedRegex(@"-X\s+(?<method>[A-Z]+)")]
    private static partial Regex MethodFlag();

    [GeneratedRegex(@"`(?<method>GET|POST|PUT|PATCH|DELETE) (?<path>/[^`\s]*)`")]
    private static partial Regex RouteCell();

    private static string[] ApiMd() => File.ReadAllLines(Path.Combine(NewcomerPathTests.RepositoryRoot(), "docs", "api.md"));

    private static List<Line> Lines()
    {
        var doc = ApiMd();
        var start = Array.IndexOf(doc, Section);
        Assert.True(start >= 0, $"docs/api.md has a section '{Section}'");
        var end = Array.FindIndex(doc, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        var lines = new List<Line>();
        var inShell = false;
        var pending = "";
        foreach (var raw in doc[start..(end < 0 ? doc.Length : end)])
        {
            if (raw.StartsWith("```", StringComparison.Ordinal)) { inShell = !inShell && raw == "```sh"; continue; }
            if (!inShell || raw.Trim().Length == 0 || raw.TrimStart().StartsWith('#')) continue;
            if (raw.EndsWith('\\')) { pending += raw[..^1]; continue; }
            var text = (pending + raw).Trim();
            pending = "";
            if (!text.Contains("curl ", StringComparison.Ordinal)) { lines.Add(new Line(text, null)); continue; }
            var match = CurlLine().Match(text[text.IndexOf("curl ", StringComparison.Ordinal)..]);
            Assert.True(match.Success, $"a curl example says what it answers ('# 200', '# 404 Not found'): {text}");
            var command = text[..text.IndexOf("curl ", StringComparison.Ordinal)] + match.Groups["command"].Value;
            var curl = match.Groups["command"].Value;
            var method = MethodFlag().Match(curl) is { Success: true } m ? m.Groups["method"].Value
                : Regex.IsMatch(curl, @"\s(-d|-F|--data-binary|--data)\s") ? "POST" : "GET";
            var url = Url().Match(curl);
            Assert.True(url.Success, $"a curl example calls localhost:5080: {text}");
            var title = match.Groups["title"].Success ? match.Groups["title"].Value.Trim() : null;
            lines.Add(new Line(command, new Example(command, int.Parse(match.Groups["status"].Value), title, method, url.Groups["path"].Value)));
        }
        return lines;
    }

    /// <summary>The problems the section shows, one JSON object a line in its <c>json</c> blocks.</summary>
    private static List<JsonNode> ProblemExamples()
    {
        var doc = ApiMd();
        var start = Array.IndexOf(doc, Section);
        var problems = new List<JsonNode>();
        var inJson = false;
        foreach (var line in doc[start..])
        {
            if (line.StartsWith("```", StringComparison.Ordinal)) { inJson = !inJson && line == "```json"; continue; }
            if (inJson && line.Trim().Length > 0) problems.Add(JsonNode.Parse(line)!);
        }
        Assert.NotEmpty(problems);
        return problems;
    }

    private static async Task<JsonNode> OpenApiAsync(TestServer server) =>
        JsonNode.Parse(await server.Anonymous.GetStringAsync("/openapi/v1.json"))!;

    private static List<(string Method, string Path, HashSet<int> Errors)> Operations(JsonNode document) =>
        document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(o => o.Key is "get" or "post" or "put" or "patch" or "delete").Select(o =>
                (o.Key.ToUpperInvariant(), p.Key,
                 o.Value!["responses"]!.AsObject().Select(r => int.Parse(r.Key)).Where(s => s is >= 400 and < 500).ToHashSet())))
            .ToList();

    private static bool Matches(string template, string path) =>
        Regex.IsMatch(path, "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$");

    /// <summary>The operation an example calls: a template with fewer parameters wins (<c>/jobs/batch</c> over <c>/jobs/{id}</c>).</summary>
    private static (string Method, string Path, HashSet<int> Errors)? OperationOf(Example example, IEnumerable<(string Method, string Path, HashSet<int> Errors)> operations) =>
        operations.Where(o => o.Method == example.Method && Matches(o.Path, example.Path)).OrderBy(o => o.Path.Count(c => c == '{'))
            .Cast<(string, string, HashSet<int>)?>().FirstOrDefault();

    [Fact]
    public async Task The_route_tables_and_the_examples_cover_every_operation_of_the_openapi_document_with_its_errors()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var operations = Operations(await OpenApiAsync(server));
        var examples = Lines().Select(l => l.Example).OfType<Example>().ToList();

        // The route tables: every operation, with the 4xx statuses the document gives it, no more and no fewer.
        var listed = new Dictionary<string, HashSet<int>>();
        foreach (var row in ApiMd().Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = row.Split(" | ");
            foreach (Match route in RouteCell().Matches(cells[0]))
            {
                var errors = cells[^1].TrimEnd('|', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Where(w => Regex.IsMatch(w, @"^\d{3}$")).Select(int.Parse).ToHashSet();
                listed[$"{route.Groups["method"].Value} {route.Groups["path"].Value}"] = errors;
            }
        }
        foreach (var (method, path, errors) in operations)
        {
            Assert.True(listed.TryGetValue($"{method} {path}", out var documented), $"docs/api.md's route tables list {method} {path}");
            Assert.True(documented!.SetEquals(errors),
                $"{method} {path}: docs/api.md lists errors {string.Join(' ', documented.Order())}, the OpenAPI document {string.Join(' ', errors.Order())}");
        }
        foreach (var route in listed.Keys.Where(r => !r.Contains("/health/", StringComparison.Ordinal)))
            Assert.True(operations.Any(o => $"{o.Method} {o.Path}" == route), $"{route} in docs/api.md is an operation of the OpenAPI document");

        // The examples: each calls an operation; each operation has one that succeeds; each error class has one.
        foreach (var example in examples.Where(e => !e.Path.StartsWith("/health/", StringComparison.Ordinal)))
            Assert.True(OperationOf(example, operations) is not null, $"the example calls an operation of the OpenAPI document: {example.Command}");
        foreach (var (method, path, _) in operations)
        {
            Assert.True(examples.Any(e => e.Status is >= 200 and < 300 && OperationOf(e, operations) is { } o && o.Method == method && o.Path == path),
                $"docs/api.md has a curl example of {method} {path} that succeeds");
        }
        foreach (var status in operations.SelectMany(o => o.Errors).Distinct().Order())
            Assert.True(examples.Any(e => e.Status == status), $"docs/api.md has a curl example answering {status}");
    }

    [Fact]
    public async Task The_readme_and_the_openapi_document_say_the_same_about_the_license()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite);
        var license = (await OpenApiAsync(server))["info"]!["license"]!;
        Assert.Equal("All rights reserved (no license has been chosen yet)", license["name"]!.GetValue<string>());
        var readme = await File.ReadAllTextAsync(Path.Combine(NewcomerPathTests.RepositoryRoot(), "README.md"));
        Assert.Contains("No license has been chosen yet", readme);
        Assert.Contains($"\"{license["name"]!.GetValue<string>()}\"", readme);
        Assert.Contains(license["identifier"]!.GetValue<string>(), readme);
        // The packages claim no license the owners have not chosen.
        foreach (var project in new[] { "src/Conveyor/Conveyor.csproj", "src/Conveyor.Client/Conveyor.Client.csproj", "Directory.Build.props" })
            Assert.DoesNotContain("PackageLicense", await File.ReadAllTextAsync(Path.Combine(NewcomerPathTests.RepositoryRoot(), project)));
    }

    [Fact]
    public async Task Every_curl_example_answers_the_status_and_problem_title_written_beside_it()
    {
        await using var server = await TestServer.StartAsync(Provider.Sqlite, new Dictionary<string, string> { ["Conveyor:Workers:Count"] = "1" });
        var work = Directory.CreateTempSubdirectory("conveyor-api-doc-").FullName;
        try
        {
            var variables = await PrepareAsync(server);
            var body = Path.Combine(work, "answer");
            // Every mismatch at once, so one run shows all the lines that drifted.
            var wrong = new List<string>();
            var seen = new List<JsonNode>();
            foreach (var line in Lines())
            {
                var text = line.Text.Replace("localhost:5080", server.Address.Authority, StringComparison.Ordinal);
                if (line.Example is not { } example)
                {
                    var (code, output) = await BashAsync(text, work, variables);
                    Assert.True(code == 0, $"{line.Text}: exit {code} {output}");
                    continue;
                }
                File.Delete(body);
                var (exit, written) = await BashAsync($"{text} -o '{body}' -w '%{{http_code}} %{{content_type}}'", work, variables);
                var parts = written.Trim().Split(' ', 2);
                var answer = File.Exists(body) ? await File.ReadAllTextAsync(body) : "";
                // A 413 may come before curl has sent the whole body: curl then exits with a send error, the answer in hand.
                if (exit != 0 && !(example.Status == 413 && parts[0] == "413")) { wrong.Add($"{example.Command}\n  curl exit {exit}: {written}"); continue; }
                if (parts[0] != example.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    wrong.Add($"{example.Command}\n  answered {parts[0]}, docs/api.md says {example.Status}: {answer}");
                    continue;
                }
                if (example.Status < 400) continue;
                if (parts.Length < 2 || !parts[1].StartsWith("application/problem+json", StringComparison.Ordinal))
                {
                    wrong.Add($"{example.Command}\n  answered {written}, not a problem: {answer}");
                    continue;
                }
                var problem = JsonNode.Parse(answer)!;
                seen.Add(problem);
                var title = problem["title"]?.GetValue<string>();
                if (example.Title is not null && example.Title != title) wrong.Add($"{example.Command}\n  answered the title '{title}', docs/api.md says '{example.Title}'");
                if (problem["status"]?.GetValue<int>() != example.Status || string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()))
                    wrong.Add($"{example.Command}\n  a problem has its status and a detail: {answer}");
                LeakAssert.Clean(answer);
            }
            // The problems shown as JSON: each was answered by one of the examples (its type, title and detail; "…" stands for anything).
            foreach (var shown in ProblemExamples())
            {
                bool Same(JsonNode actual, string field) =>
                    shown[field] is not { } value || Regex.IsMatch(actual[field]?.GetValue<string>() ?? "",
                        "^" + string.Join(".*", value.GetValue<string>().Split('…').Select(Regex.Escape)) + "$");
                var status = shown["status"]!.GetValue<int>();
                if (!seen.Any(a => a["status"]?.GetValue<int>() == status && Same(a, "type") && Same(a, "title") && Same(a, "detail")
                        && (shown["errors"] is not { } errors || JsonNode.DeepEquals(errors, a["errors"]))))
                {
                    wrong.Add($"no example answered the problem docs/api.md shows: {shown.ToJsonString()}\n  the {status}s answered: " +
                        string.Join("\n    ", seen.Where(a => a["status"]?.GetValue<int>() == status).Select(a => a.ToJsonString())));
                }
            }
            Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>What the section's examples name: keys, a succeeded CSV job, a failed and a queued job, a session, a key to revoke.</summary>
    private static async Task<Dictionary<string, string>> PrepareAsync(TestServer server)
    {
        var client = server.Client;
        async Task<JsonNode> Finished(Guid id) => await Eventually.WaitAsync(async () => (await client.GetJobAsync(id))!,
            j => j.Status() is "succeeded" or "failed", TimeSpan.FromSeconds(60), $"job {id} to finish");

        using var form = new MultipartFormDataContent
        {
            { new StringContent("people"), "dataset" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes("id,name\n1,Ada\n2,Grace\n3,Linus\n")), "file", "people.csv" },
        };
        using var uploaded = await client.PostAsync("/api/v1/upload", form);
        var job = JsonNode.Parse(await uploaded.Content.ReadAsStringAsync())!["items"]![0]!.Id();
        Assert.Equal("succeeded", (await Finished(job)).Status());
        var failed = (await client.CreateJobAsync(new { type = "fail", max_attempts = 1, metadata = new { message = "boom" } })).Id();
        Assert.Equal("failed", (await Finished(failed)).Status());
        var queued = (await client.CreateJobAsync(new { type = "sleep", scheduled_at = DateTimeOffset.UtcNow.AddYears(1) })).Id();
        var (_, session, _) = await client.SendAsync(HttpMethod.Post, "/ingest/session",
            JsonSerializer.Serialize(new { course_id = "bio-101", title = "Week 1", transcript = "Cells are the unit of life." }));
        await Eventually.WaitAsync(async () => (await client.SendAsync(HttpMethod.Get, $"/api/v1/sessions/{session!.Id()}")).Body!,
            s => s["status_badge"]!["label"]!.GetValue<string>() == "Ready", TimeSpan.FromSeconds(60), "the session to be Ready");
        var (_, viewer, _) = await client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"docs-viewer","role":"viewer"}""");
        var (_, spare, _) = await client.SendAsync(HttpMethod.Post, "/api/v1/keys", """{"name":"docs-spare","role":"viewer"}""");

        // From here on nothing runs: every example finds the jobs as they are now (a requeued job stays queued).
        var (_, types, _) = await client.SendAsync(HttpMethod.Get, "/api/v1/types");
        foreach (var type in types!["items"]!.AsArray())
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Post, $"/api/v1/types/{type!["type"]!.GetValue<string>()}/pause")).Status);

        return new Dictionary<string, string>
        {
            ["KEY"] = server.AdminKey, ["VIEWER"] = viewer!["key"]!.GetValue<string>(), ["KEY_ID"] = spare!["id"]!.GetValue<string>(),
            ["JOB"] = job.ToString(), ["FAILED"] = failed.ToString(), ["QUEUED"] = queued.ToString(), ["SESSION"] = session!.Id().ToString(),
        };
    }

    private static async Task<(int Code, string Output)> BashAsync(string script, string directory, IDictionary<string, string> variables)
    {
        var info = new ProcessStartInfo("bash") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var (name, value) in variables) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
