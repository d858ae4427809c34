using System.Text.Json;

namespace Conveyor.Core.Tests;

public sealed class JobMetadataTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_stored_metadata_is_an_empty_object(string? stored)
    {
        var metadata = JobMetadata.Parse(stored);

        Assert.Equal(JsonValueKind.Object, metadata.ValueKind);
        Assert.Equal("{}", JobMetadata.ToJson(metadata));
    }

    [Fact]
    public void Stored_metadata_reads_back_as_it_was()
    {
        var metadata = JobMetadata.Parse("""{"seconds": 2.5, "message": "hi"}""");

        Assert.Equal("""{"seconds": 2.5, "message": "hi"}""", JobMetadata.ToJson(metadata));
    }

    [Fact]
    public void Metadata_never_set_is_written_as_an_empty_object()
    {
        Assert.Equal("{}", JobMetadata.ToJson(default));
        Assert.Equal("{}", JobMetadata.ToJson(JobMetadata.Empty));
    }

    [Theory]
    [InlineData("""{"seconds": 2.5}""", true, 2.5)]
    [InlineData("""{"seconds": 0}""", true, 0)]
    [InlineData("""{"seconds": "2.5"}""", false, 0)]
    [InlineData("""{"other": 2.5}""", false, 0)]
    [InlineData("""[2.5]""", false, 0)]
    public void A_number_is_read_only_from_a_number_property(string json, bool found, double expected)
    {
        Assert.Equal(found, JobMetadata.TryGetDouble(Json(json), "seconds", out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("""{"message": "Disk full"}""", "Disk full")]
    [InlineData("""{"message": 42}""", null)]
    [InlineData("""{"other": "x"}""", null)]
    [InlineData("""["message"]""", null)]
    public void A_text_is_read_only_from_a_string_property(string json, string? expected)
    {
        Assert.Equal(expected, JobMetadata.GetString(Json(json), "message"));
    }
}
