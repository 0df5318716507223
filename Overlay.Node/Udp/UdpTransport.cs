using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Tmds.Linux;
using static Overlay.Node.Dataplane.DataplaneConstants;
using static Overlay.Node.Udp.UdpInterop;

namespace Overlay.Node.Udp;

/// <summary>
/// <see cref="IUdpTransport"/> over a System.Net.Sockets IPv4 UDP socket. Receives into the caller's
/// span with a reused <see cref="SocketAddress"/> (Socket.ReceiveFrom(Span, SocketFlags,
/// SocketAddress)), so the steady state allocates nothing per datagram. The offload calls
/// (<see cref="SendSegments"/>, <see cref="ReceiveBatches"/>) use raw sendmsg/recvmsg on the socket's
/// descriptor, holding a reference on its handle during each call so Dispose never closes it under a
/// running syscall. Thread-safety as the interface.
/// </summary>
public sealed class UdpTransport : IUdpTransport
{
    private readonly Socket _socket;
    private readonly SocketAddress _receiveAddress = new(AddressFamily.InterNetwork);
    private volatile bool _disposed;
    private volatile bool _segmentation = true;
    private volatile bool _gro;
    private readonly DropCounters? _drops;

    private UdpTransport(Socket socket, DropCounters? drops)
    {
        _socket = socket;
        _drops = drops;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <inheritdoc />
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The socket, for tests that set receive options on it.</summary>
    internal Socket Socket => _socket;

    /// <summary>The receive buffer size the kernel granted, in bytes (it reports double the request).</summary>
    public int ReceiveBufferSize => _socket.ReceiveBufferSize;

    /// <summary>
    /// Opens an IPv4 UDP socket bound to <paramref name="local"/>, with send and receive buffers raised
    /// to <see cref="Dataplane.DataplaneConstants.SocketBufferBytes"/> (past the sysctl cap when we
    /// have CAP_NET_ADMIN). With <paramref name="reusePort"/> it sets SO_REUSEPORT first, so that every
    /// queue of a multi-queue data path binds the same port and the kernel spreads peers over them.
    /// Throws <see cref="IOException"/> naming the endpoint when the bind fails. Receives the transport
    /// drops itself (a truncated control message) are counted into <paramref name="drops"/>.
    /// </summary>
    public static UdpTransport Bind(IPEndPoint local, bool reusePort = false, DropCounters? drops = null)
    {
        if (local.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"UDP bind address must be IPv4: {local}", nameof(local));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            RaiseBuffer(socket, SoRcvBufForce, SocketOptionName.ReceiveBuffer);
            RaiseBuffer(socket, SoSndBufForce, SocketOptionName.SendBuffer);
            if (reusePort)
                SetIntOption(socket, SolSocket, SoReusePort, 1);
            try
            {
                socket.Bind(local);
            }
            catch (SocketException e)
            {
                // On Linux NativeErrorCode is the errno, so the message reads like the TUN errors ("EADDRINUSE").
                throw new IOException($"failed to bind UDP {local}: {Tun.Errno.Name(e.NativeErrorCode)}", e);
            }
            return new UdpTransport(socket, drops);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public bool SegmentationEnabled => _segmentation;

    /// <inheritdoc />
    public bool GroEnabled => _gro;

    /// <inheritdoc />
    public event Action<string>? SegmentationDisabled;

    /// <summary>Turns UDP_SEGMENT off as an EIO would (tests of the per-datagram fallback).</summary>
    internal void DisableSegmentation() => _segmentation = false;

    /// <inheritdoc />
    public bool EnableGro()
    {
        try
        {
            SetIntOption(_socket, SolUdp, UdpGro, 1);
            _gro = true;
        }
        catch (SocketException)
        {
            _gro = false;
        }
        return _gro;
    }

    /// <inheritdoc />
    public unsafe int SendSegments(ReadOnlySpan<IoVector> parts, int partsPerDatagram, int segmentSize, int count, SocketAddress destination)
    {
        if (_disposed || count <= 0)
            return 0;
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            var control = stackalloc byte[CmsgIntSpace];
            fixed (byte* name = destination.Buffer.Span)
            fixed (IoVector* iov = parts)
            {
                var msg = new MsgHdr { Name = name, NameLength = (uint)destination.Size };
                if (_segmentation && count > 1)
                {
                    new Span<byte>(control, CmsgIntSpace).Clear();
                    var cmsg = (CmsgHdr*)control;
                    cmsg->Length = (nuint)(CmsgHeaderSize + sizeof(ushort));
                    cmsg->Level = SolUdp;
                    cmsg->Type = UdpSegment;
                    *(ushort*)(control + CmsgHeaderSize) = (ushort)segmentSize;
                    msg.Iov = iov;
                    msg.IovLength = (nuint)parts.Length;
                    msg.Control = control;
                    msg.ControlLength = CmsgIntSpace;
                    var errno = SendOnce(fd, &msg);
                    if (errno == 0)
                        return count;
                    if (errno != LibC.EIO)
                        return 0;
                    // EIO: the egress device cannot checksum a GSO send (wireguard-go's rule); never again.
                    _segmentation = false;
                    SegmentationDisabled?.Invoke($"UDP_SEGMENT send on {LocalEndPoint} failed with EIO; sending one datagram per syscall from now on");
                }
                var sent = 0;
                msg.Control = null;
                msg.ControlLength = 0;
                for (var i = 0; i < count; i++)
                {
                    msg.Iov = iov + i * partsPerDatagram;
                    msg.IovLength = (nuint)Math.Min(partsPerDatagram, parts.Length - i * partsPerDatagram);
                    if (SendOnce(fd, &msg) == 0)
                        sent++;
                }
                return sent;
            }
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    private static unsafe int SendOnce(int fd, MsgHdr* msg)
    {
        while (true)
        {
            if (VectorIo.SendMsg(fd, msg, 0) >= 0)
                return 0;
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
                return errno;
        }
    }

    /// <summary>
    /// Blocks until datagrams arrive; copies them (one, or a GRO batch from one source) into
    /// <paramref name="buffer"/> (pinned, at least 64 KiB), returning their total
    /// <paramref name="length"/> and <paramref name="segmentSize"/> (every datagram is that long but the
    /// last, which may be shorter; equal to <paramref name="length"/> for a single datagram). Returns
    /// false once disposed; transient errors are skipped; throws when the socket fails. (Tests and tools.)
    /// </summary>
    public unsafe bool TryReceiveBatch(Span<byte> buffer, out int length, out int segmentSize, out UdpSource source)
    {
        Span<ReceivedBatch> one = stackalloc ReceivedBatch[1];
        if (ReceiveBatches(buffer, buffer.Length, one) == 1)
        {
            (_, length, segmentSize, source) = one[0];
            return true;
        }
        length = segmentSize = 0;
        source = default;
        return false;
    }

    /// <inheritdoc />
    public unsafe int ReceiveBatches(Span<byte> buffer, int slotSize, Span<ReceivedBatch> batches)
    {
        if (_disposed || slotSize <= 0)
            return 0;
        var slots = Math.Min(Math.Min(batches.Length, buffer.Length / slotSize), ReceiveBatchSlots);
        if (slots <= 0)
            return 0;
        var handle = _socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            var names = stackalloc byte[SockaddrInSize * ReceiveBatchSlots];
            var controls = stackalloc byte[ReceiveControlSize * ReceiveBatchSlots];
            var iovs = stackalloc IoVector[ReceiveBatchSlots];
            var messages = stackalloc MMsgHdr[ReceiveBatchSlots];
            var pollFd = stackalloc pollfd[1];
            fixed (byte* data = buffer)
            {
                while (!_disposed)
                {
                    for (var k = 0; k < slots; k++)
                    {
                        iovs[k] = new IoVector(data + k * slotSize, slotSize);
                        messages[k] = new MMsgHdr
                        {
                            Header = new MsgHdr
                            {
                                Name = names + k * SockaddrInSize, NameLength = SockaddrInSize, Iov = iovs + k, IovLength = 1,
                                Control = controls + k * ReceiveControlSize, ControlLength = ReceiveControlSize,
                            },
                        };
                    }
                    // MSG_WAITFORONE: block for the first batch only, then take what is already queued.
                    var n = VectorIo.RecvMmsg(fd, messages, (uint)slots, MsgWaitForOne, null);
                    if (n < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (_disposed)
                            break;
                        if (errno == LibC.EAGAIN)
                        {
                            // The runtime may have made the descriptor non-blocking: wait for data.
                            pollFd[0] = new pollfd { fd = fd, events = LibC.POLLIN };
                            LibC.poll(pollFd, 1, -1);
                            continue;
                        }
                        // ICMP errors for earlier sends surface here on Linux; they concern that send.
                        if (errno == LibC.EINTR || errno == LibC.ECONNREFUSED || errno == LibC.EHOSTUNREACH || errno == LibC.ENETUNREACH || errno == LibC.EMSGSIZE)
                            continue;
                        throw new IOException($"failed to receive on UDP {LocalEndPoint}: {Errno.Name(errno)}");
                    }
                    if (_disposed)
                        break;
                    var filled = 0;
                    for (var k = 0; k < n; k++)
                    {
                        if ((messages[k].Header.Flags & MsgCtrunc) != 0)
                        {
                            // The UDP_GRO size may be among the control messages lost: without it a
                            // batch would pass for one datagram. Dropped, and counted.
                            _drops?.Add(DropReason.ControlTruncated);
                            continue;
                        }
                        if (TryReadMessage(messages[k], names + k * SockaddrInSize, controls + k * ReceiveControlSize, out var segmentSize, out var source))
                            batches[filled++] = new ReceivedBatch(k * slotSize, (int)messages[k].Length, segmentSize, source);
                    }
                    if (filled > 0)
                        return filled;
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
        return 0;
    }

    // The source and UDP_GRO segment size of one received message; false for a message to skip: a
    // datagram larger than the slot cannot happen with 64 KiB slots, but if it did its tail is lost.
    private static unsafe bool TryReadMessage(in MMsgHdr message, byte* name, byte* control, out int segmentSize, out UdpSource source)
    {
        ref readonly var msg = ref message.Header;
        var length = (int)message.Length;
        segmentSize = length;
        source = default;
        if ((msg.Flags & MsgTrunc) != 0 || msg.NameLength < 8
            || BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(name, 2)) != (ushort)AddressFamily.InterNetwork)
            return false;
        var offset = 0;
        while (offset + CmsgHeaderSize <= (int)msg.ControlLength)
        {
            var cmsg = (CmsgHdr*)(control + offset);
            if (cmsg->Length < CmsgHeaderSize)
                break;
            if (cmsg->Level == SolUdp && cmsg->Type == UdpGro && cmsg->Length >= CmsgHeaderSize + sizeof(int))
            {
                var gso = *(int*)(control + offset + CmsgHeaderSize);
                if (gso > 0 && gso < length)
                    segmentSize = gso;
            }
            offset += ((int)cmsg->Length + 7) & ~7;
        }
        source = new UdpSource(BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(name + 4, 4)),
            BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(name + 2, 2)));
        return true;
    }

    /// <summary>Sends one datagram with sendto (tests and tools; the pump sends batches with <see cref="SendSegments"/>).
    /// Returns false when it could not be sent or the transport is disposed.</summary>
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

    /// <summary>
    /// Blocks until a datagram arrives, copies it into <paramref name="buffer"/> and returns true with its
    /// <paramref name="length"/> (possibly 0) and <paramref name="source"/>; false once disposed. (Tests
    /// and tools; the pump receives batches with <see cref="ReceiveBatches"/>.)
    /// </summary>
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
        try
        {
            SetIntOption(socket, SolSocket, forceOption, SocketBufferBytes);
        }
        catch (SocketException)
        {
            // Without CAP_NET_ADMIN: ask for the same within the sysctl cap.
            socket.SetSocketOption(SocketOptionLevel.Socket, fallback, SocketBufferBytes);
        }
    }

    // setsockopt with an int value, for the options System.Net.Sockets has no name for.
    private static void SetIntOption(Socket socket, int level, int name, int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(bytes, value);
        socket.SetRawSocketOption(level, name, bytes);
    }
}
