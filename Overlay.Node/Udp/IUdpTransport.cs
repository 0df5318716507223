using System.Net;

namespace Overlay.Node.Udp;

/// <summary>
/// A bound IPv4 UDP socket carrying one inner packet per datagram. Thread-safety: one sending thread
/// and one receiving thread may use it concurrently; Dispose may be called from any thread and wakes
/// a blocked receiver, which then returns false. Sends after Dispose return false.
/// </summary>
public interface IUdpTransport : IDisposable
{
    /// <summary>The bound address and port (the real port when bound to port 0).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Sends <paramref name="datagram"/> to <paramref name="destination"/> (an IPv4 socket address,
    /// prebuilt once per peer so sending allocates nothing). Returns false when this datagram could
    /// not be sent (EMSGSIZE, ENETUNREACH, ENOBUFS, ...) or the transport is disposed; the caller counts it.
    /// </summary>
    bool Send(ReadOnlySpan<byte> datagram, SocketAddress destination);

    /// <summary>
    /// Blocks until a datagram arrives, copies it into <paramref name="buffer"/> (pass 64 KiB so
    /// nothing is truncated) and returns true with its <paramref name="length"/> (possibly 0) and
    /// <paramref name="source"/>. Returns false once disposed. Transient per-datagram errors are
    /// skipped; throws <see cref="System.Net.Sockets.SocketException"/> when the socket fails.
    /// </summary>
    bool TryReceive(Span<byte> buffer, out int length, out UdpSource source);
}
