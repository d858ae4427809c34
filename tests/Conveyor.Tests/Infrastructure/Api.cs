using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conveyor.Tests.Infrastructure;

/// <summary>Small helpers for calling the API and reading its JSON.</summary>
public static class Api
{
    public static async Task<(HttpStatusCode Status, JsonNode? Body, string Text)> SendAsync(this HttpClient client, HttpMethod method,
        string path, string? json = null, string contentType = "application/json", IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, contentType);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        if (text.Length > 0 && (response.Content.Headers.ContentType?.MediaType?.Contains("json") ?? false)) body = JsonNode.Parse(text);
        return (response.StatusCode, body, text);
    }

    public static async Task<JsonNode> CreateJobAsync(this HttpClient client, object request)
    {
        var (status, body, text) = await client.SendAsync(HttpMethod.Post, "/api/v1/jobs", JsonSerializer.Serialize(request));
        Assert.True(status == HttpStatusCode.Created, $"create answered {status}: {text}");
        return body!;
    }

    public static Guid Id(this JsonNode job) => Guid.Parse(job["id"]!.GetValue<string>());

    public static string Status(this JsonNode job) => job["status"]!.GetValue<string>();

    public static Task<JsonNode?> GetJobAsync(this HttpClient client, Guid id) =>
        client.GetFromJsonAsync<JsonNode>($"/api/v1/jobs/{id}");
}
