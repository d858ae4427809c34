namespace Conveyor.Api.V1.Ingestion;

/// <summary>
/// Reading the request body failed (a multipart body that ends before its closing boundary, a body cut short): the
/// client's fault, a 400, unlike an <see cref="IOException"/> of the storage root, which is the server's.
/// </summary>
public sealed class RequestBodyException(IOException inner) : Exception("The request body is malformed or ended early.", inner)
{
    public static async Task<T> Wrap<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (IOException e)
        {
            throw new RequestBodyException(e);
        }
    }

    public static async ValueTask<int> Wrap(Func<ValueTask<int>> read)
    {
        try
        {
            return await read();
        }
        catch (IOException e)
        {
            throw new RequestBodyException(e);
        }
    }
}
