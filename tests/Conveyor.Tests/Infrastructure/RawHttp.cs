using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conveyor.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a bare socket, for requests HttpClient will not make: any bytes in a path, header or body, and a
/// chunked body the server answers (413) before it has all of it. The body is sent in the background; sending stops
/// quietly when the server answers and closes first.
/// </summary>
public static class RawHttp
{
    public static Task<(HttpStatusCode Status, string Body)> PostChunkedAsync(Uri server, string path, string key, string contentType,
        byte[] body) =>
        SendAsync(server, "POST", path, [("Authorization", Ascii("Bearer " + key)), ("Content-Type", Ascii(contentType))], body, chunked: true);

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <param name="path">The request target as sent (percent-encode what should be encoded).</param>
    /// <param name="headers">Names and raw value bytes, sent as they are.</param>
    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(Uri server, string method, string path,
        IEnumerable<(string Name, byte[] Value)> headers, byte[]? body, bool chunked = false, int chunkSize = 64 * 1024)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        var head = new MemoryStream();
        head.Write(Ascii($"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n"));
        foreach (var (name, value) in headers)
        {
            head.Write(Ascii(name + ": "));
            head.Write(value);
            head.Write("\r\n"u8);
        }
        if (body is not null) head.Write(Ascii(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n"));
        head.Write("\r\n"u8);
        var sending = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(head.ToArray());
                if (body is null) return;
                if (!chunked)
                {
                    await stream.WriteAsync(body);
                    return;
                }
                for (var at = 0; at < body.Length; at += chunkSize)
                {
                    var n = Math.Min(chunkSize, body.Length - at);
                    await stream.WriteAsync(Ascii($"{n:x}\r\n"));
                    await stream.WriteAsync(body.AsMemory(at, n));
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
            }
            catch (IOException)
            {
                // The server answered and closed before the whole body was sent.
            }
            catch (ObjectDisposedException)
            {
            }
        });

        // Connection: close, so the answer ends where the stream does (or a connection reset after it).
        var answer = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0) answer.Write(buffer, 0, read);
        }
        catch (IOException) when (answer.Length > 0)
        {
        }
        client.Close();
        await sending;
        return Parse(answer.ToArray());
    }

    private static (HttpStatusCode, string) Parse(byte[] raw)
    {
        var end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0) throw new IOException($"No HTTP answer ({raw.Length} bytes).");
        var head = Encoding.ASCII.GetString(raw, 0, end).Split("\r\n");
        var status = (HttpStatusCode)int.Parse(head[0].Split(' ')[1]);
        var body = raw.AsSpan(end + 4);
        if (!head.Any(h => h.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && h.Contains("chunked")))
            return (status, Encoding.UTF8.GetString(body));
        var decoded = new MemoryStream();
        while (body.Length > 0)
        {
            var line = body.IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(body[..line]).Split(';')[0], 16);
            if (size == 0) break;
            decoded.Write(body.Slice(line + 2, size));
            body = body[(line + 2 + size + 2)..];
        }
        return (status, Encoding.UTF8.GetString(decoded.ToArray()));
    }
}
