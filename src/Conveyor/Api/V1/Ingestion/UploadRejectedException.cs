namespace Conveyor.Api.V1.Ingestion;

/// <summary>An upload refused part-way: the status and detail of the problem to answer with.</summary>
public sealed class UploadRejectedException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;

    public IResult ToProblem() => TypedResults.Problem(detail: Message, statusCode: Status, title: Title);

    public static UploadRejectedException TooLarge(string detail) => new(StatusCodes.Status413PayloadTooLarge, "Payload too large", detail);

    public static UploadRejectedException Unsupported(string detail) => new(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail);

    public static UploadRejectedException BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Bad request", detail);
}
