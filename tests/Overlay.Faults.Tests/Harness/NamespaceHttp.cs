using System.Net;
using System.Net.Sockets;

namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// An HTTP client for the management API on 127.0.0.1 inside one namespace: each connection's
/// socket is made and connected on a thread inside the namespace (<see cref="NamespaceThread"/>),
/// then used from anywhere. Connections are pooled, so a sample costs no process and, usually, no
/// connect. Thread-safe.
/// </summary>
internal sealed class NamespaceHttp : IDisposable
{
    private readonly HttpClient _client;

    /// <summary>A client for port <paramref name="port"/> in namespace <paramref name="ns"/>.</summary>
    public NamespaceHttp(string ns, int port, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
            ConnectTimeout = timeout,
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = await NamespaceThread.RunAsync(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _client = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = timeout };
    }

    /// <summary>GETs <paramref name="path"/>: the status and body, or null when nothing answered in time.</summary>
    public async Task<(int Status, string Body)?> GetAsync(string path)
    {
        try
        {
            using var response = await _client.GetAsync(path);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or SocketException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
