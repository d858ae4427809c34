using System.Security.Cryptography;
using System.Text.Json;
using Conveyor.Api.Json;
using Conveyor.Application;
using Conveyor.Core;

namespace Conveyor.Tests;

/// <summary>
/// Hashes stored before the application layer existed were SHA-256 of the request written with the API's JSON options;
/// <see cref="IdempotencyHash"/> must give the same bytes, or a client's retry across an upgrade would get a 409.
/// </summary>
public sealed class IdempotencyHashTests
{
    public static TheoryData<string> Requests => new()
    {
        """{"type":"noop"}""",
        """{"type":"sleep","priority":5,"metadata":{"seconds":2,"note":"é \u2028 <tag>"},"max_attempts":3}""",
        """{"type":"csv","source_type":"url","source_uri":"https://data.example.com/a.csv","file_name":"a.csv","file_size":10,"mime_type":"text/csv","mode":"full","dataset":"d","scheduled_at":"2026-03-01T13:00:00.123456+01:00"}""",
        """{"type":"noop","metadata":null,"scheduled_at":null,"priority":-1000}""",
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void The_hash_is_the_one_the_api_stored_before(string body)
    {
        var request = JsonSerializer.Deserialize<JobCreateRequest>(body, ConveyorJson.Options)!;
        var before = Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, ConveyorJson.Options)));

        Assert.Equal(before, IdempotencyHash.Of(request));
    }
}
