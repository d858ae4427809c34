using System.Text.Json;

namespace Conveyor.Core.Tests;

public sealed class JobCreateRequestValidatorTests
{
    private static readonly HashSet<string> KnownTypes = ["noop", "sleep", "fail", "csv"];

    private static Dictionary<string, string[]> Validate(JobCreateRequest request) =>
        JobCreateRequestValidator.Validate(request, KnownTypes.Contains);

    private static JobCreateRequest ANoop() => new() { Type = "noop" };

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void A_request_with_only_a_known_type_is_valid()
    {
        Assert.Empty(Validate(ANoop()));
    }

    [Fact]
    public void A_request_with_every_field_set_within_its_limits_is_valid()
    {
        var request = new JobCreateRequest
        {
            Type = "csv",
            SourceType = "csv_upload",
            SourceUri = "https://example.org/data/people.csv",
            FileName = "people.csv",
            FileSize = 0,
            MimeType = "text/csv",
            Mode = "append",
            Priority = 1000,
            Metadata = Json("""{"seconds": 2}"""),
            Dataset = "People.2024_v-1",
            MaxAttempts = 100,
            ScheduledAt = DateTimeOffset.UnixEpoch,
        };

        Assert.Empty(Validate(request));
    }

    [Theory]
    [InlineData(null, "The type is required.")]
    [InlineData("", "The type is required.")]
    [InlineData("   ", "The type is required.")]
    [InlineData("CSV", "The type must be a lowercase word of at most 64 characters (a-z, 0-9, '_', '.', '-').")]
    [InlineData("1csv", "The type must be a lowercase word of at most 64 characters (a-z, 0-9, '_', '.', '-').")]
    [InlineData("csv upload", "The type must be a lowercase word of at most 64 characters (a-z, 0-9, '_', '.', '-').")]
    [InlineData("transcode", "No handler is registered for type 'transcode'.")]
    public void An_invalid_type_gets_one_message_under_type(string? type, string message)
    {
        var errors = Validate(new JobCreateRequest { Type = type });

        Assert.Equal(["type"], errors.Keys);
        Assert.Equal([message], errors["type"]);
    }

    [Fact]
    public void A_type_of_sixty_five_characters_is_too_long()
    {
        var longType = "a" + new string('b', 64);
        var known = (string t) => true;

        Assert.Empty(JobCreateRequestValidator.Validate(new JobCreateRequest { Type = longType[..64] }, known));
        Assert.Contains("type", JobCreateRequestValidator.Validate(new JobCreateRequest { Type = longType }, known).Keys);
    }

    [Theory]
    [InlineData(-1000, true)]
    [InlineData(1000, true)]
    [InlineData(0, true)]
    [InlineData(-1001, false)]
    [InlineData(1001, false)]
    public void Priority_must_be_between_minus_and_plus_one_thousand(int priority, bool valid)
    {
        var errors = Validate(ANoop() with { Priority = priority });

        Assert.Equal(valid, !errors.ContainsKey("priority"));
        if (!valid) Assert.Equal(["The priority must be between -1000 and 1000."], errors["priority"]);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(100, true)]
    [InlineData(0, false)]
    [InlineData(-3, false)]
    [InlineData(101, false)]
    public void Max_attempts_must_be_between_one_and_one_hundred(int maxAttempts, bool valid)
    {
        var errors = Validate(ANoop() with { MaxAttempts = maxAttempts });

        Assert.Equal(valid, !errors.ContainsKey("max_attempts"));
        if (!valid) Assert.Equal(["max_attempts must be between 1 and 100."], errors["max_attempts"]);
    }

    [Theory]
    [InlineData("people", true)]
    [InlineData("A1._-z", true)]
    [InlineData("", false)]
    [InlineData("_people", false)]
    [InlineData("people/2024", false)]
    [InlineData("../etc", false)]
    [InlineData("people 2024", false)]
    public void Dataset_is_a_plain_name(string dataset, bool valid)
    {
        Assert.Equal(valid, !Validate(ANoop() with { Dataset = dataset }).ContainsKey("dataset"));
    }

    [Fact]
    public void A_dataset_name_of_129_characters_is_too_long()
    {
        Assert.False(Validate(ANoop() with { Dataset = new string('d', 128) }).ContainsKey("dataset"));
        Assert.True(Validate(ANoop() with { Dataset = new string('d', 129) }).ContainsKey("dataset"));
    }

    [Theory]
    [InlineData("csv_upload", true)]
    [InlineData("json-api", true)]
    [InlineData("CSV_UPLOAD", false)]
    [InlineData("csv upload", false)]
    public void Source_type_is_a_lowercase_word(string sourceType, bool valid)
    {
        Assert.Equal(valid, !Validate(ANoop() with { SourceType = sourceType }).ContainsKey("source_type"));
    }

    [Fact]
    public void Source_uri_must_be_absolute_and_at_most_2048_characters()
    {
        var longUri = "https://example.org/" + new string('a', 2048 - 20);

        Assert.False(Validate(ANoop() with { SourceUri = longUri }).ContainsKey("source_uri"));
        Assert.Equal(["The source URI must be at most 2048 characters."], Validate(ANoop() with { SourceUri = longUri + "a" })["source_uri"]);
        Assert.Equal(["The source URI must be an absolute URI."], Validate(ANoop() with { SourceUri = "data/people.csv" })["source_uri"]);
    }

    [Fact]
    public void File_name_mime_type_and_mode_are_capped_and_refuse_control_characters()
    {
        Assert.False(Validate(ANoop() with { FileName = new string('f', 255) }).ContainsKey("file_name"));
        Assert.Equal(["The file name must be at most 255 characters."], Validate(ANoop() with { FileName = new string('f', 256) })["file_name"]);
        Assert.Equal(["The file name cannot contain control or format characters."], Validate(ANoop() with { FileName = "a\nb.csv" })["file_name"]);
        Assert.Equal(["The mime type must be at most 255 characters."], Validate(ANoop() with { MimeType = new string('m', 256) })["mime_type"]);
        Assert.Equal(["The mode must be at most 64 characters."], Validate(ANoop() with { Mode = new string('m', 65) })["mode"]);
        Assert.Equal(["The mode cannot contain control or format characters."], Validate(ANoop() with { Mode = "fast\u0000" })["mode"]);
    }

    [Fact]
    public void A_negative_file_size_is_refused()
    {
        Assert.Equal(["The file size cannot be negative."], Validate(ANoop() with { FileSize = -1 })["file_size"]);
        Assert.False(Validate(ANoop() with { FileSize = 0 }).ContainsKey("file_size"));
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public void Metadata_must_be_an_object(string json)
    {
        Assert.Equal(["The metadata must be a JSON object."], Validate(ANoop() with { Metadata = Json(json) })["metadata"]);
    }

    [Fact]
    public void Null_metadata_means_none()
    {
        Assert.Empty(Validate(ANoop() with { Metadata = Json("null") }));
    }

    [Fact]
    public void Metadata_larger_than_64_KiB_is_refused()
    {
        var big = Json($$"""{"blob":"{{new string('x', JobDefaults.MaxMetadataBytes)}}"}""");

        Assert.Equal(["The metadata must be at most 65536 bytes."], Validate(ANoop() with { Metadata = big })["metadata"]);
    }

    [Fact]
    public void Every_invalid_field_is_reported_under_its_wire_name()
    {
        var request = new JobCreateRequest
        {
            Type = "Nope",
            SourceType = "Upload",
            SourceUri = "relative",
            FileSize = -5,
            Priority = 5000,
            MaxAttempts = 0,
            Dataset = "bad name",
            Metadata = Json("[]"),
        };

        var errors = Validate(request);

        Assert.Equal(
            ["dataset", "file_size", "max_attempts", "metadata", "priority", "source_type", "source_uri", "type"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(errors.Values, messages => Assert.Single(messages));
    }

    [Theory]
    [InlineData("Upload")]
    [InlineData("csv upload")]
    public void A_source_type_that_is_not_a_lowercase_word_is_refused_with_an_example(string sourceType)
    {
        Assert.Equal(["The source type must be a lowercase word such as 'csv_upload' or 'json_api'."],
            Validate(ANoop() with { SourceType = sourceType })["source_type"]);
    }

    [Theory]
    [InlineData("https://example.org/a\u0001b")]
    [InlineData("https://example.org/a\u007fb")]
    [InlineData("relative/path")]
    public void A_source_uri_must_be_absolute_and_free_of_control_characters(string uri)
    {
        Assert.Equal(["The source URI must be an absolute URI."], Validate(ANoop() with { SourceUri = uri })["source_uri"]);
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("_leading")]
    [InlineData("")]
    public void A_dataset_name_outside_its_alphabet_is_refused(string dataset)
    {
        Assert.Equal(["The dataset name must be 1-128 characters of letters, digits, '_', '.' or '-'."],
            Validate(ANoop() with { Dataset = dataset })["dataset"]);
    }

    [Fact]
    public void Metadata_of_exactly_64_KiB_is_accepted()
    {
        var padding = JobDefaults.MaxMetadataBytes - """{"blob":""}""".Length;
        var exact = Json($$"""{"blob":"{{new string('x', padding)}}"}""");

        Assert.Empty(Validate(ANoop() with { Metadata = exact }));
    }

    [Fact]
    public void The_metadata_limit_counts_utf8_bytes_not_characters()
    {
        // 40,000 two-byte characters: 80,000 bytes on the wire and in the database, though 40,000 UTF-16 characters.
        var wide = Json($$"""{"blob":"{{new string('é', 40_000)}}"}""");
        var emoji = Json($$"""{"blob":"{{string.Concat(Enumerable.Repeat("😀", 17_000))}}"}""");

        Assert.Equal(["The metadata must be at most 65536 bytes."], Validate(ANoop() with { Metadata = wide })["metadata"]);
        Assert.Equal(["The metadata must be at most 65536 bytes."], Validate(ANoop() with { Metadata = emoji })["metadata"]);
    }

    [Theory]
    [InlineData("""{"note":"a\u0000b"}""")]
    [InlineData("""{"a\u0000":1}""")]
    [InlineData("""{"deep":[{"x":"\u0000"}]}""")]
    [InlineData("""{"path":"C:\\\u0000"}""")]
    public void Metadata_holding_a_nul_character_is_refused(string json)
    {
        Assert.Equal(["The metadata cannot contain NUL characters (\\u0000)."], Validate(ANoop() with { Metadata = Json(json) })["metadata"]);
    }

    [Theory]
    [InlineData("""{"path":"C:\\u0000x"}""")]
    [InlineData("""{"note":"\\\\u0000"}""")]
    [InlineData("""{"note":"\u0001 is fine"}""")]
    public void Metadata_that_only_spells_out_a_nul_escape_is_accepted(string json)
    {
        Assert.Empty(Validate(ANoop() with { Metadata = Json(json) }));
    }

    [Fact]
    public void Settings_alone_are_checked_by_the_rules_of_a_create()
    {
        var errors = JobCreateRequestValidator.ValidateSettings("fast\u0001", 5000, Json("[]"), "bad name", 0);
        var many = JobCreateRequestValidator.ValidateSettings(null, null, Json($$"""{"blob":"{{new string('é', 40_000)}}"}"""), null, 101);

        Assert.Equal(["dataset", "max_attempts", "metadata", "mode", "priority"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["The mode cannot contain control or format characters."], errors["mode"]);
        Assert.Equal(["The priority must be between -1000 and 1000."], errors["priority"]);
        Assert.Equal(["The metadata must be at most 65536 bytes."], many["metadata"]);
        Assert.Equal(["max_attempts must be between 1 and 100."], many["max_attempts"]);
        Assert.Empty(JobCreateRequestValidator.ValidateSettings("append", 10, Json("{}"), "ds", 3));
        Assert.Empty(JobCreateRequestValidator.ValidateSettings(null, null, null, null, null));
    }
}
