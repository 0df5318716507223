using Tmds.Linux;
using static Overlay.Node.Tun.TunInterop;

namespace Overlay.Node.Tun;

/// <summary>
/// A Linux TUN device (IFF_TUN | IFF_NO_PI) over /dev/net/tun, through Tmds.LibC. The device is not
/// persistent: closing the descriptor (Dispose) deletes it, and the kernel removes its addresses and
/// routes with it. The descriptor is non-blocking; <see cref="Read"/> reads optimistically and waits
/// in poll(2) on the device and an eventfd that Dispose signals, so a blocked reader wakes promptly.
/// Thread-safety: one reader and any number of writers concurrently (both pumps write: the TUN-to-UDP
/// pump its ICMP replies, the UDP-to-TUN pump the packets it received), Dispose from any thread (see
/// <see cref="ITunDevice"/>).
/// </summary>
public sealed class LinuxTunDevice : ITunDevice, IGatherWriter
{
    private readonly FileDescriptorHandle _tun;
    private readonly FileDescriptorHandle _wake;
    private volatile bool _disposed;
    // The last TryRead found the ring empty, and how many packets the TryReads since the last blocking
    // read returned (TunWaitPolicy); read and written only by the one reader thread.
    private bool _drainedEmpty;
    private int _drainedPackets;

    private readonly short _flags;
    private readonly CoalescingTunWriter? _batchWriter;

    private LinuxTunDevice(FileDescriptorHandle tun, FileDescriptorHandle wake, string name, int mtu, bool offloads = false, short flags = 0,
        bool udpOffloads = false)
    {
        OffloadsEnabled = offloads;
        UdpOffloadsEnabled = offloads && udpOffloads;
        if (offloads)
            _batchWriter = new CoalescingTunWriter(this, UdpOffloadsEnabled);
        _flags = flags;
        _tun = tun;
        _wake = wake;
        Name = name;
        Mtu = mtu;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int Mtu { get; }

    /// <inheritdoc />
    public bool OffloadsEnabled { get; }

    /// <inheritdoc />
    public bool UdpOffloadsEnabled { get; }

    /// <summary>Why the kernel refused TUN_F_USO4 | TUN_F_USO6 on an offload device (for one log line), or null.</summary>
    public string? UdpOffloadRefusal { get; private set; }

    /// <summary>
    /// Creates (or attaches to) the TUN device <paramref name="name"/> in the calling thread's network
    /// namespace; a name with "%d" lets the kernel pick the number. <paramref name="mtu"/> is recorded,
    /// not applied: <see cref="LinkConfigurator"/> sets it on the link. Throws <see cref="IOException"/>
    /// naming the device and the errno (e.g. EPERM without CAP_NET_ADMIN, EBUSY when the name is taken).
    /// </summary>
    public static LinuxTunDevice Create(string name, int mtu, bool multiQueue = false) =>
        Open(name, mtu, (short)(IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0)), out _);

    /// <summary>
    /// Creates the TUN device like <see cref="Create"/> but with IFF_VNET_HDR and the offloads
    /// TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN, so reads return TCP super-packets (ECN flows' too) of up to 64 KiB behind a
    /// virtio_net_hdr (<see cref="OffloadsEnabled"/> true). When the kernel refuses either, the device
    /// is closed and opened again plain (<see cref="OffloadsEnabled"/> false) and
    /// <paramref name="refusal"/> says what was refused (for one log line); otherwise it is null.
    /// </summary>
    public static LinuxTunDevice CreateWithOffloads(string name, int mtu, out string? refusal, bool multiQueue = false)
    {
        try
        {
            var device = Open(name, mtu, (short)(IFF_TUN | IFF_NO_PI | IFF_VNET_HDR | (multiQueue ? IFF_MULTI_QUEUE : 0)), out var offloadErrno);
            if (offloadErrno == 0)
            {
                refusal = null;
                return device;
            }
            device.Dispose();
            refusal = $"TUNSETOFFLOAD(CSUM|TSO4|TSO_ECN) on {name}: {Errno.Name(offloadErrno)}";
        }
        catch (IOException e)
        {
            refusal = $"IFF_VNET_HDR on {name}: {e.Message}";
        }
        return Create(name, mtu, multiQueue);
    }

    /// <summary>
    /// Opens one more queue of this multi-queue device (created with multiQueue true), with the same
    /// flags and offloads: the kernel keeps IFF_VNET_HDR per device, so a queue opened differently would
    /// change what every other queue reads. Throws <see cref="IOException"/> naming the device and the
    /// errno when the kernel refuses, or when this device is not multi-queue.
    /// </summary>
    public LinuxTunDevice AttachQueue()
    {
        if ((_flags & IFF_MULTI_QUEUE) == 0)
            throw new IOException($"failed to attach a queue to TUN {Name}: it was not created with IFF_MULTI_QUEUE");
        var queue = Open(Name, Mtu, _flags, out var offloadErrno);
        if (OffloadsEnabled && (offloadErrno != 0 || queue.UdpOffloadsEnabled != UdpOffloadsEnabled))
        {
            queue.Dispose();
            throw new IOException($"failed to attach a queue to TUN {Name} (TUNSETOFFLOAD): {Errno.Name(offloadErrno)}");
        }
        return queue;
    }

    private static unsafe LinuxTunDevice Open(string name, int mtu, short flags, out int offloadErrno)
    {
        const uint tcp = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN;
        var request = default(Ifreq);
        SetName(ref request, name);
        request.Flags = flags;
        offloadErrno = 0;

        int fd;
        fixed (byte* path = "/dev/net/tun\0"u8)
            fd = LibC.open(path, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        if (fd < 0)
            throw new IOException($"failed to open /dev/net/tun for TUN {name}: {Errno.Name(Errno.Last)}");
        if (LibC.ioctl(fd, TUNSETIFF, &request) < 0)
        {
            var errno = Errno.Last;
            LibC.close(fd);
            throw new IOException($"failed to create TUN {name} (TUNSETIFF): {Errno.Name(errno)}");
        }
        var offloads = (flags & IFF_VNET_HDR) != 0;
        var udpOffloads = false;
        string? udpRefusal = null;
        if (offloads)
        {
            // UDP segmentation offload first (Linux >= 6.2); an older kernel answers EINVAL and the TCP
            // offloads alone are asked for.
            if (LibC.ioctl(fd, TUNSETOFFLOAD, (void*)(nint)(tcp | TUN_F_USO4 | TUN_F_USO6)) == 0)
                udpOffloads = true;
            else
            {
                udpRefusal = $"TUNSETOFFLOAD(USO4|USO6) on {name}: {Errno.Name(Errno.Last)}";
                if (LibC.ioctl(fd, TUNSETOFFLOAD, (void*)(nint)tcp) < 0)
                    offloadErrno = Errno.Last;
            }
        }
        var device = FromFileDescriptor(fd, GetName(request), mtu, offloads && offloadErrno == 0, flags, udpOffloads);
        device.UdpOffloadRefusal = offloadErrno == 0 ? udpRefusal : null;
        return device;
    }

    /// <summary>Wraps the attached TUN descriptor, taking ownership of it: Dispose closes it. Sets
    /// O_NONBLOCK on it. Throws <see cref="IOException"/> when it is not usable.</summary>
    private static LinuxTunDevice FromFileDescriptor(int fd, string name, int mtu, bool offloads, short tunFlags = 0, bool udpOffloads = false)
    {
        var tun = new FileDescriptorHandle(fd);
        try
        {
            var flags = LibC.fcntl(fd, LibC.F_GETFL);
            if (flags < 0 || LibC.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0)
                throw new IOException($"failed to set O_NONBLOCK on TUN {name} (fd {fd}): {Errno.Name(Errno.Last)}");
            var wake = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
            if (wake < 0)
                throw new IOException($"failed to create the wake-up eventfd for TUN {name}: {Errno.Name(Errno.Last)}");
            return new LinuxTunDevice(tun, new FileDescriptorHandle(wake), name, mtu, offloads, tunFlags, udpOffloads);
        }
        catch
        {
            tun.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public int Read(Span<byte> buffer, out VirtioNetHeader offload) => Read(buffer, out offload, wait: true);

    /// <inheritdoc />
    public int TryRead(Span<byte> buffer, out VirtioNetHeader offload) => Read(buffer, out offload, wait: false);

    // The descriptor is non-blocking: a read that finds the ring empty (EAGAIN) either returns 0 (!wait)
    // or sleeps in poll(2) on the device and the wake eventfd. A blocking read right after a drain that
    // found nothing polls first (the drain already made the read that would fail); after a drain that
    // took packets it reads first (TunWaitPolicy).
    private unsafe int Read(Span<byte> buffer, out VirtioNetHeader offload, bool wait)
    {
        offload = VirtioNetHeader.None;
        if (!TryEnter())
            return 0;
        try
        {
            var fd = _tun.Fd;
            var pollFds = stackalloc pollfd[2];
            // With IFF_VNET_HDR every read starts with the virtio_net_hdr: readv puts it aside, so the
            // packet lands at the start of the caller's buffer either way.
            var header = stackalloc byte[VirtioNetHeader.Size];
            var parts = stackalloc IoVector[2];
            var pollFirst = wait && TunWaitPolicy.PollFirst(_drainedEmpty, _drainedPackets);
            _drainedEmpty = false;
            if (wait)
                _drainedPackets = 0;
            while (!_disposed)
            {
                if (pollFirst)
                {
                    pollFirst = false;
                    WaitReadable(fd, pollFds);
                    continue;
                }
                long n;
                var errno = 0;
                fixed (byte* p = buffer)
                {
                    if (OffloadsEnabled)
                    {
                        parts[0] = new IoVector(header, VirtioNetHeader.Size);
                        parts[1] = new IoVector(p, buffer.Length);
                        n = VectorIo.Readv(fd, parts, 2);
                        if (n < 0)
                            errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    }
                    else
                    {
                        n = LibC.read(fd, p, buffer.Length);
                        if (n < 0)
                            errno = Errno.Last;
                    }
                }
                if (OffloadsEnabled && n > 0)
                {
                    // The kernel writes the whole header in front of every packet; nothing else can come.
                    if (n <= VirtioNetHeader.Size)
                        continue;
                    offload = VirtioNetHeader.Read(new ReadOnlySpan<byte>(header, VirtioNetHeader.Size));
                    if (!wait)
                        _drainedPackets++;
                    return (int)n - VirtioNetHeader.Size;
                }
                if (n > 0)
                {
                    if (!wait)
                        _drainedPackets++;
                    return (int)n;
                }
                if (n == 0)
                    errno = LibC.EIO;
                if (errno == LibC.EINTR)
                    continue;
                if (errno != LibC.EAGAIN)
                    throw new IOException($"failed to read from TUN {Name}: {Errno.Name(errno)}");
                if (!wait)
                {
                    _drainedEmpty = true;
                    return 0;
                }
                WaitReadable(fd, pollFds);
            }
            return 0;
        }
        finally
        {
            Exit();
        }
    }

    // Sleeps until the device is readable or Dispose signals the wake eventfd.
    private unsafe void WaitReadable(int fd, pollfd* pollFds)
    {
        pollFds[0] = new pollfd { fd = fd, events = LibC.POLLIN };
        pollFds[1] = new pollfd { fd = _wake.Fd, events = LibC.POLLIN };
        var ready = LibC.poll(pollFds, 2, -1);
        if (ready < 0 && Errno.Last != LibC.EINTR)
            throw new IOException($"failed to poll TUN {Name}: {Errno.Name(Errno.Last)}");
        if ((pollFds[0].revents & (LibC.POLLERR | LibC.POLLNVAL)) != 0)
            throw new IOException($"TUN {Name} failed (poll revents 0x{pollFds[0].revents:x})");
    }

    /// <inheritdoc />
    public unsafe bool Write(ReadOnlySpan<byte> packet)
    {
        if (OffloadsEnabled)
        {
            // A zero virtio_net_hdr (GSO_NONE, nothing to complete) in front of the bare packet.
            var header = stackalloc byte[VirtioNetHeader.Size];
            new Span<byte>(header, VirtioNetHeader.Size).Clear();
            fixed (byte* p = packet)
            {
                Span<IoVector> parts = stackalloc IoVector[2];
                parts[0] = new IoVector(header, VirtioNetHeader.Size);
                parts[1] = new IoVector(p, packet.Length);
                return WriteGather(parts);
            }
        }
        if (!TryEnter())
            return false;
        try
        {
            while (true)
            {
                long n;
                fixed (byte* p = packet)
                    n = LibC.write(_tun.Fd, p, packet.Length);
                if (n >= 0)
                    return true;
                var errno = Errno.Last;
                if (errno == LibC.EINTR)
                    continue;
                if (LosesOnlyThisPacket(errno))
                    return false;
                throw new IOException($"failed to write {packet.Length} bytes to TUN {Name}: {Errno.Name(errno)}");
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc />
    public TunBatchResult WriteBatch(ReadOnlySpan<IoVector> packets, Span<bool> written)
    {
        if (_batchWriter is { } writer)
            return writer.Write(packets, written);
        var count = 0;
        for (var i = 0; i < packets.Length; i++)
        {
            written[i] = Write(packets[i].AsSpan());
            if (written[i])
                count++;
        }
        return new TunBatchResult(count, 0, packets.Length);
    }

    /// <inheritdoc />
    public event Action<string>? CoalescingDisabled
    {
        add
        {
            if (_batchWriter is { } writer)
                writer.CoalescingDisabled += value;
        }
        remove
        {
            if (_batchWriter is { } writer)
                writer.CoalescingDisabled -= value;
        }
    }

    /// <inheritdoc />
    public unsafe bool WriteGather(ReadOnlySpan<IoVector> parts)
    {
        if (!TryEnter())
            return false;
        try
        {
            while (true)
            {
                nint n;
                fixed (IoVector* iov = parts)
                    n = VectorIo.Writev(_tun.Fd, iov, parts.Length);
                if (n >= 0)
                    return true;
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == LibC.EINTR)
                    continue;
                if (LosesOnlyThisPacket(errno))
                    return false;
                throw new IOException($"failed to write a {parts.Length}-part packet to TUN {Name}: {Errno.Name(errno)}");
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// True when a failed write cost only that packet and the device is fine: the kernel refuses a
    /// single packet with EINVAL (not IPv4/IPv6, or a bad vnet header) and drops under memory
    /// pressure (EAGAIN, ENOBUFS, ENOMEM), and refuses every write with EIO while the link is
    /// administratively down (ip link set overlay0 down): the link watchdog brings it up again within
    /// a second, so the session goes on instead of restarting. After Dispose every error is the
    /// closing device's. (A deleted device answers EBADFD, which ends the session.)
    /// </summary>
    private bool LosesOnlyThisPacket(int errno) =>
        errno == LibC.EINVAL || errno == LibC.EAGAIN || errno == LibC.ENOBUFS || errno == LibC.ENOMEM || errno == LibC.EIO || _disposed;

    /// <summary>Wakes a blocked reader and closes the device once no call is using it; idempotent.</summary>
    public unsafe void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        var signalled = false;
        try
        {
            _wake.DangerousAddRef(ref signalled);
            ulong one = 1;
            LibC.write(_wake.Fd, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (signalled)
                _wake.DangerousRelease();
        }
        _tun.Dispose();
        _wake.Dispose();
    }

    private bool TryEnter()
    {
        if (_disposed)
            return false;
        bool tunRef = false, wakeRef = false;
        try
        {
            _tun.DangerousAddRef(ref tunRef);
            _wake.DangerousAddRef(ref wakeRef);
            return true;
        }
        catch (ObjectDisposedException)
        {
            if (tunRef)
                _tun.DangerousRelease();
            if (wakeRef)
                _wake.DangerousRelease();
            return false;
        }
    }

    private void Exit()
    {
        _wake.DangerousRelease();
        _tun.DangerousRelease();
    }
}
