using System.Net;
using System.Net.Sockets;
using Conveyor.Workers;
using Microsoft.Extensions.Options;

namespace Conveyor.Ingestion.Sources;

/// <summary>
/// Checks and fetches http(s) sources: only allowed hosts, redirects only within the same origin, and (unless
/// allowed) never a private address — checked on the address actually connected to, so DNS cannot swap it.
/// </summary>
public sealed class UrlFetcher : IDisposable
{
    private const int MaxRedirects = 5;
    private readonly SourceOptions _options;
    private readonly StorageRoot _root;
    private readonly HttpClient _client;

    public UrlFetcher(IOptions<SourceOptions> options, StorageRoot root)
    {
        _options = options.Value;
        _root = root;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = _options.Timeout };
    }

    public static bool IsHttp(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

    /// <summary>Why <paramref name="uri"/> may not be used as a source (for the 400 at create time), or null.</summary>
    public string? Refusal(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
            return "source_uri must be an absolute http or https URL.";
        if (_options.AllowedHosts.Count == 0)
            return "URL sources are disabled: Conveyor:Sources:AllowedHosts is empty.";
        if (!_options.AllowedHosts.Contains(u.Host, StringComparer.OrdinalIgnoreCase))
            return $"The host '{u.Host}' is not in Conveyor:Sources:AllowedHosts.";
        if (!_options.AllowPrivateAddresses && IPAddress.TryParse(u.Host, out var ip) && IsPrivate(ip))
            return $"The host '{u.Host}' is a private address, and Conveyor:Sources:AllowPrivateAddresses is off.";
        return null;
    }

    /// <summary>Downloads <paramref name="uri"/> to a file under the storage root and returns its path.</summary>
    public async Task<string> FetchAsync(string uri, Guid jobId, CancellationToken ct)
    {
        if (Refusal(uri) is { } refusal) throw new JobFailedException(refusal);
        var current = new Uri(uri);
        for (var hop = 0; ; hop++)
        {
            using var response = await _client.GetAsync(current, HttpCompletionOption.ResponseHeadersRead, ct);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                // Another port or scheme on the same host is another service (a redirect to 127.0.0.1:6379, to https
                // elsewhere): only the very same origin is followed.
                if (!SameOrigin(next, current) || hop >= MaxRedirects)
                    throw new JobFailedException("The source redirected to another origin (or too often); redirects keep the scheme, host and port.");
                if (Refusal(next.ToString()) is { } why) throw new JobFailedException(why);
                current = next;
                continue;
            }
            if (!response.IsSuccessStatusCode)
                throw new JobFailedException($"Fetching the source failed with HTTP {(int)response.StatusCode}.");
            if (response.Content.Headers.ContentLength > _options.MaxBytes)
                throw new JobFailedException($"The source is larger than {_options.MaxBytes} bytes.");
            var directory = Path.Combine(_root.FullPath, "fetched");
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, jobId.ToString("N"));
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(ct);
                await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                var buffer = new byte[1 << 16];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, ct)) > 0)
                {
                    total += read;
                    if (total > _options.MaxBytes) throw new JobFailedException($"The source is larger than {_options.MaxBytes} bytes.");
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                return path;
            }
            catch
            {
                File.Delete(path);
                throw;
            }
        }
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && a.Port == b.Port && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase);

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
        var allowed = addresses.Where(a => _options.AllowPrivateAddresses || !IsPrivate(a)).ToList();
        if (allowed.Count == 0)
            throw new JobFailedException($"The host '{context.DnsEndPoint.Host}' resolves only to private addresses, which are not allowed.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed.ToArray(), context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Loopback, private (RFC 1918, unique local), link-local, CGNAT, unspecified and multicast addresses.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast;
        var b = address.GetAddressBytes();
        return b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] >= 224;
    }

    public void Dispose() => _client.Dispose();
}
