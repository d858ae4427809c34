using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conveyor.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a bare socket, for requests HttpClient will not finish: a chunked body the server answers (413)
/// before it has all of it. The body is sent in the background; sending stops quietly when the server closes.
/// </summary>
public static class RawHttp
{
    public static async Task<(HttpStatusCode Status, string Body)> PostChunkedAsync(Uri server, string path, string key, string contentType,
        byte[] body, int chunkSize = 64 * 1024)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {key}\r\nContent-Type: {contentType}\r\n" +
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var sending = Task.Run(async () =>
        {
            try
            {
                for (var at = 0; at < body.Length; at += chunkSize)
                {
                    var n = Math.Min(chunkSize, body.Length - at);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{n:x}\r\n"));
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
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var statusLine = await reader.ReadLineAsync() ?? throw new IOException("The server closed without an answer.");
        var status = (HttpStatusCode)int.Parse(statusLine.Split(' ')[1]);
        var length = -1;
        var chunkedAnswer = false;
        string? line;
        while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line[15..].Trim());
            if (line.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && line.Contains("chunked")) chunkedAnswer = true;
        }
        var answer = new StringBuilder();
        if (chunkedAnswer)
        {
            // ASCII problem JSON, so characters and bytes agree.
            while (await reader.ReadLineAsync() is { Length: > 0 } size && Convert.ToInt32(size, 16) is var n and > 0)
            {
                var part = new char[n];
                await reader.ReadBlockAsync(part);
                answer.Append(part);
                await reader.ReadLineAsync();
            }
        }
        else if (length > 0)
        {
            var part = new char[length];
            await reader.ReadBlockAsync(part);
            answer.Append(part);
        }
        var text = answer.ToString();
        client.Close();
        await sending;
        return (status, text);
    }
}
