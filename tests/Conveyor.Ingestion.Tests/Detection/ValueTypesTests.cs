using Conveyor.Ingestion.Detection;

namespace Conveyor.Ingestion.Tests.Detection;

public sealed class ValueTypesTests
{
    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("42", "integer")]
    [InlineData("-7", "integer")]
    [InlineData("+3", "integer")]
    [InlineData(" 12 ", "integer")]
    [InlineData("007", "integer")]
    [InlineData("9223372036854775807", "integer")]
    [InlineData("9223372036854775808", "number")]
    [InlineData("1,000", "string")]
    [InlineData("3.14", "number")]
    [InlineData("-0.5", "number")]
    [InlineData(".5", "number")]
    [InlineData("1.5e3", "number")]
    [InlineData("2E-4", "number")]
    [InlineData("NaN", "string")]
    [InlineData("Infinity", "string")]
    [InlineData("-Infinity", "string")]
    [InlineData("1e999", "string")]
    [InlineData("true", "boolean")]
    [InlineData("FALSE", "boolean")]
    [InlineData("True", "boolean")]
    [InlineData("yes", "string")]
    [InlineData("truee", "string")]
    [InlineData("2026-03-01", "date")]
    [InlineData("1999-12-31", "date")]
    [InlineData("2026-02-30", "string")]
    [InlineData("2026-3-1", "string")]
    [InlineData("01/03/2026", "string")]
    [InlineData("2026-03-01T12:00:00Z", "datetime")]
    [InlineData("2026-03-01T12:00:00.123+02:00", "datetime")]
    [InlineData("2026-03-01 12:00", "datetime")]
    [InlineData("2026-03-01T12:00", "datetime")]
    [InlineData("2026-03-01T25:00", "string")]
    [InlineData("03/01/2026 12:00:00", "string")]
    [InlineData("March 1, 2026 12:00", "string")]
    [InlineData("Ann", "string")]
    public void A_value_is_inferred_as_its_narrowest_type(string value, string type)
    {
        Assert.Equal(type, ValueTypes.Infer(value));
    }

    [Theory]
    [InlineData("integer", "1", "2", "-3")]
    [InlineData("number", "1", "2.5", "3")]
    [InlineData("number", "2.5", "1")]
    [InlineData("integer", "", "1", " ", "2")]
    [InlineData("string", "1", "x")]
    [InlineData("string", "x", "1")]
    [InlineData("string", "true", "1")]
    [InlineData("string", "1", "true")]
    [InlineData("boolean", "true", "false", "TRUE")]
    [InlineData("date", "2026-03-01", "2026-03-02")]
    [InlineData("string", "2026-03-01", "2026-03-01T12:00:00Z")]
    [InlineData("datetime", "2026-03-01T12:00:00Z", "2026-03-02 08:30")]
    [InlineData("string", "1", "x", "2")]
    [InlineData("string", "", "")]
    [InlineData("string")]
    public void A_column_is_the_one_type_every_non_empty_value_fits(string type, params string[] values)
    {
        Assert.Equal(type, ValueTypes.InferColumn(values));
    }
}
