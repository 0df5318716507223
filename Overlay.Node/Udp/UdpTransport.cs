using System.Net;
using System.Net.Sockets;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Udp;

/// <summary>
/// <see cref="IUdpTransport"/> over a System.Net.Sockets IPv4 UDP socket. Receives into the caller's
/// span with a reused <see cref="SocketAddress"/> (Socket.ReceiveFrom(Span, SocketFlags,
/// SocketAddress)), so the steady state allocates nothing per datagram. Thread-safety as the interface.
/// </summary>
public sealed class UdpTransport : IUdpTransport
{
    private readonly Socket _socket;
    private readonly SocketAddress _receiveAddress = new(AddressFamily.InterNetwork);
    private volatile bool _disposed;

    private UdpTransport(Socket socket)
    {
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <inheritdoc />
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The receive buffer size the kernel granted, in bytes (it reports double the request).</summary>
    public int ReceiveBufferSize => _socket.ReceiveBufferSize;

    /// <summary>
    /// Opens an IPv4 UDP socket bound to <paramref name="local"/>, with send and receive buffers raised
    /// to <see cref="Dataplane.DataplaneConstants.SocketBufferBytes"/> (past the sysctl cap when we
    /// have CAP_NET_ADMIN). Throws <see cref="IOException"/> naming the endpoint when the bind fails.
    /// </summary>
    public static UdpTransport Bind(IPEndPoint local)
    {
        if (local.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"UDP bind address must be IPv4: {local}", nameof(local));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            RaiseBuffer(socket, SoRcvBufForce, SocketOptionName.ReceiveBuffer);
            RaiseBuffer(socket, SoSndBufForce, SocketOptionName.SendBuffer);
            try
            {
                socket.Bind(local);
            }
            catch (SocketException e)
            {
                // On Linux NativeErrorCode is the errno, so the message reads like the TUN errors ("EADDRINUSE").
                throw new IOException($"failed to bind UDP {local}: {Tun.Errno.Name(e.NativeErrorCode)}", e);
            }
            return new UdpTransport(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (_disposed)
            return false;
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out UdpSource source)
    {
        while (!_disposed)
        {
            try
            {
                length = _socket.ReceiveFrom(buffer, SocketFlags.None, _receiveAddress);
                if (UdpSource.TryRead(_receiveAddress, out source))
                    return true;
                continue;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException) when (_disposed)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset
                or SocketError.ConnectionRefused or SocketError.MessageSize or SocketError.Interrupted
                or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
            {
                // ICMP errors for earlier sends surface here on Linux; they concern that send, not this socket.
            }
        }
        length = 0;
        source = default;
        return false;
    }

    /// <summary>Closes the socket, waking a blocked receiver; idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            // Shutdown wakes a receiver blocked in recvfrom; close alone does not on Linux.
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        _socket.Dispose();
    }

    private static void RaiseBuffer(Socket socket, int forceOption, SocketOptionName fallback)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(value, SocketBufferBytes);
        try
        {
            socket.SetRawSocketOption(SolSocket, forceOption, value);
        }
        catch (SocketException)
        {
            // Without CAP_NET_ADMIN: ask for the same within the sysctl cap.
            socket.SetSocketOption(SocketOptionLevel.Socket, fallback, SocketBufferBytes);
        }
    }
}
