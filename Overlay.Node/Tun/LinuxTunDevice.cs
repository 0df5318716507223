using Tmds.Linux;
using static Overlay.Node.Tun.TunInterop;

namespace Overlay.Node.Tun;

/// <summary>
/// A Linux TUN device (IFF_TUN | IFF_NO_PI) over /dev/net/tun, through Tmds.LibC. The device is not
/// persistent: closing the descriptor (Dispose) deletes it, and the kernel removes its addresses and
/// routes with it. The descriptor is non-blocking; <see cref="Read"/> reads optimistically and waits
/// in poll(2) on the device and an eventfd that Dispose signals, so a blocked reader wakes promptly.
/// Thread-safety: one reader and one writer concurrently, Dispose from any thread (see <see cref="ITunDevice"/>).
/// </summary>
public sealed class LinuxTunDevice : ITunDevice
{
    private readonly FileDescriptorHandle _tun;
    private readonly FileDescriptorHandle _wake;
    private volatile bool _disposed;

    private LinuxTunDevice(FileDescriptorHandle tun, FileDescriptorHandle wake, string name, int mtu)
    {
        _tun = tun;
        _wake = wake;
        Name = name;
        Mtu = mtu;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int Mtu { get; }

    /// <summary>
    /// Creates (or attaches to) the TUN device <paramref name="name"/> in the calling thread's network
    /// namespace; a name with "%d" lets the kernel pick the number. <paramref name="mtu"/> is recorded,
    /// not applied: <see cref="LinkConfigurator"/> sets it on the link. Throws <see cref="IOException"/>
    /// naming the device and the errno (e.g. EPERM without CAP_NET_ADMIN, EBUSY when the name is taken).
    /// </summary>
    public static unsafe LinuxTunDevice Create(string name, int mtu)
    {
        var request = default(Ifreq);
        SetName(ref request, name);
        request.Flags = IFF_TUN | IFF_NO_PI;

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
        return FromFileDescriptor(fd, GetName(request), mtu);
    }

    /// <summary>
    /// Wraps an already attached TUN descriptor (e.g. passed in by a parent process), taking ownership
    /// of it: Dispose closes it. Sets O_NONBLOCK on it. Throws <see cref="IOException"/> when it is not usable.
    /// </summary>
    public static LinuxTunDevice FromFileDescriptor(int fd, string name, int mtu)
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
            return new LinuxTunDevice(tun, new FileDescriptorHandle(wake), name, mtu);
        }
        catch
        {
            tun.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public unsafe int Read(Span<byte> buffer)
    {
        if (!TryEnter())
            return 0;
        try
        {
            var fd = _tun.Fd;
            var pollFds = stackalloc pollfd[2];
            while (!_disposed)
            {
                long n;
                fixed (byte* p = buffer)
                    n = LibC.read(fd, p, buffer.Length);
                if (n > 0)
                    return (int)n;
                var errno = n < 0 ? Errno.Last : LibC.EIO;
                if (errno == LibC.EINTR)
                    continue;
                if (errno != LibC.EAGAIN)
                    throw new IOException($"failed to read from TUN {Name}: {Errno.Name(errno)}");

                pollFds[0] = new pollfd { fd = fd, events = LibC.POLLIN };
                pollFds[1] = new pollfd { fd = _wake.Fd, events = LibC.POLLIN };
                var ready = LibC.poll(pollFds, 2, -1);
                if (ready < 0 && Errno.Last != LibC.EINTR)
                    throw new IOException($"failed to poll TUN {Name}: {Errno.Name(Errno.Last)}");
                if ((pollFds[0].revents & (LibC.POLLERR | LibC.POLLNVAL)) != 0)
                    throw new IOException($"TUN {Name} failed (poll revents 0x{pollFds[0].revents:x})");
            }
            return 0;
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc />
    public unsafe bool Write(ReadOnlySpan<byte> packet)
    {
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
                // The kernel refuses single packets with EINVAL (not IPv4/IPv6) or drops under memory
                // pressure (EAGAIN, ENOBUFS, ENOMEM): that packet is lost, the device is fine.
                if (errno == LibC.EINVAL || errno == LibC.EAGAIN || errno == LibC.ENOBUFS || errno == LibC.ENOMEM)
                    return false;
                if (_disposed)
                    return false;
                throw new IOException($"failed to write {packet.Length} bytes to TUN {Name}: {Errno.Name(errno)}");
            }
        }
        finally
        {
            Exit();
        }
    }

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
