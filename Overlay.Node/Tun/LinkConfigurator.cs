using Overlay.Actors.Addressing;
using Tmds.Linux;
using static Overlay.Node.Tun.TunInterop;

namespace Overlay.Node.Tun;

/// <summary>
/// Configures a TUN link with the classic socket ioctls (SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFMTU,
/// SIOCSIFFLAGS, SIOCADDRT) on an AF_INET datagram socket, plus the device's accept_local sysctl
/// (see <see cref="AcceptLocalSource"/>); never by running ip(8). Reads it back with SIOCGIFFLAGS,
/// SIOCGIFADDR and the routing table in /proc/thread-self/net/route. Acts in the calling thread's
/// network namespace. Thread-safe (stateless; each call uses its own socket).
/// </summary>
public sealed class LinkConfigurator : ILinkConfigurator
{
    /// <inheritdoc />
    public unsafe void Configure(string device, uint address, int mtu, Ipv4Subnet route)
    {
        var socket = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (socket < 0)
            throw new IOException($"failed to open a socket to configure {device}: {Errno.Name(Errno.Last)}");
        try
        {
            var addressText = $"{Ipv4.Format(address)}/32";

            // Address before netmask before up: SIOCSIFADDR alone would give a classful mask, and
            // while the link is down no prefix route from it is ever installed.
            var request = NewRequest(device);
            request.Addr = Inet(address);
            Ioctl(socket, LibC.SIOCSIFADDR, ref request, $"failed to set address {addressText} on {device}");

            request = NewRequest(device);
            request.Addr = Inet(uint.MaxValue);
            Ioctl(socket, LibC.SIOCSIFNETMASK, ref request, $"failed to set address {addressText} on {device} (netmask)");

            request = NewRequest(device);
            request.Mtu = mtu;
            Ioctl(socket, LibC.SIOCSIFMTU, ref request, $"failed to set MTU {mtu} on {device}");

            request = NewRequest(device);
            Ioctl(socket, LibC.SIOCGIFFLAGS, ref request, $"failed to read the flags of {device}");
            request.Flags |= IFF_UP | IFF_RUNNING;
            Ioctl(socket, LibC.SIOCSIFFLAGS, ref request, $"failed to bring up {device}");

            AcceptLocalSource(device);
            AddRoute(socket, device, route);
            AddBackstop(socket, route);
        }
        finally
        {
            LibC.close(socket);
        }
    }

    /// <inheritdoc />
    public unsafe LinkState Inspect(string device, Ipv4Subnet route)
    {
        var (routeInstalled, backstopInstalled) = ReadRoutes(device, route);
        var socket = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (socket < 0)
            throw new IOException($"failed to open a socket to inspect {device}: {Errno.Name(Errno.Last)}");
        try
        {
            var request = NewRequest(device);
            if (LibC.ioctl(socket, LibC.SIOCGIFFLAGS, &request) < 0)
            {
                var errno = Errno.Last;
                if (errno == LibC.ENODEV)
                    return new LinkState(false, false, null, false, backstopInstalled);
                throw new IOException($"failed to read the flags of {device}: {Errno.Name(errno)}");
            }
            var up = (request.Flags & IFF_UP) != 0;

            request = NewRequest(device);
            uint? address = null;
            if (LibC.ioctl(socket, SIOCGIFADDR, &request) == 0)
                address = (uint)System.Net.IPAddress.NetworkToHostOrder((int)request.Addr.AddrBe);
            else if (Errno.Last is var addressErrno && addressErrno != LibC.EADDRNOTAVAIL && addressErrno != LibC.ENODEV)
                throw new IOException($"failed to read the address of {device}: {Errno.Name(addressErrno)}");
            return new LinkState(true, up, address, routeInstalled, backstopInstalled);
        }
        finally
        {
            LibC.close(socket);
        }
    }

    /// <inheritdoc />
    public unsafe void RemoveAddress(string device)
    {
        var socket = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (socket < 0)
            throw new IOException($"failed to open a socket to remove the address of {device}: {Errno.Name(Errno.Last)}");
        try
        {
            // SIOCSIFADDR with 0.0.0.0 deletes the device's primary address (ifconfig's idiom); a device
            // without one answers EADDRNOTAVAIL, which is the state asked for.
            var request = NewRequest(device);
            request.Addr = Inet(0);
            if (LibC.ioctl(socket, LibC.SIOCSIFADDR, &request) < 0 && Errno.Last is var errno && errno != LibC.EADDRNOTAVAIL)
                throw new IOException($"failed to remove the address of {device}: {Errno.Name(errno)}");
        }
        finally
        {
            LibC.close(socket);
        }
    }

    /// <inheritdoc />
    public unsafe void Unconfigure(Ipv4Subnet route)
    {
        var socket = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (socket < 0)
            throw new IOException($"failed to open a socket to remove the unreachable route {route}: {Errno.Name(Errno.Last)}");
        try
        {
            var entry = Backstop(route);
            if (LibC.ioctl(socket, SIOCDELRT, &entry) < 0 && Errno.Last is var errno && errno != LibC.ESRCH)
                throw new IOException($"failed to remove the unreachable route {route}: {Errno.Name(errno)}");
        }
        finally
        {
            LibC.close(socket);
        }
    }

    /// <summary>
    /// The backstop: "unreachable <paramref name="route"/>" with the lowest priority the ioctl can
    /// give (<see cref="Dataplane.DataplaneConstants.BackstopRouteMetric"/>). While the route through
    /// the TUN exists it wins (metric 0); when it is deleted, or the kernel flushes it because the
    /// link went down, packets for the Network get "no route to host" (EHOSTUNREACH, ICMP host unreachable) instead of taking the
    /// default route out of the host. It has no device, so it outlives the TUN; <see cref="Unconfigure"/>
    /// removes it on an orderly stop.
    /// </summary>
    private static unsafe void AddBackstop(int socket, Ipv4Subnet route)
    {
        var entry = Backstop(route);
        if (LibC.ioctl(socket, LibC.SIOCADDRT, &entry) < 0 && Errno.Last is var errno && errno != LibC.EEXIST)
            throw new IOException($"failed to add route unreachable {route} metric {Dataplane.DataplaneConstants.BackstopRouteMetric}: {Errno.Name(errno)}");
    }

    private static Rtentry Backstop(Ipv4Subnet route) => new()
    {
        Dst = Inet(route.Network),
        Genmask = Inet(route.Mask),
        Flags = RTF_UP | RTF_REJECT,
        // rtentry's metric is the kernel's priority + 1.
        Metric = Dataplane.DataplaneConstants.BackstopRouteMetric + 1,
    };

    /// <summary>
    /// Whether the routing table holds "<paramref name="route"/> dev <paramref name="device"/>" and
    /// the unreachable backstop for it. /proc/net/route prints each address as the hexadecimal of its
    /// network-order bytes read as a native 32-bit number (x64 and arm64 are little-endian).
    /// </summary>
    private static (bool Route, bool Backstop) ReadRoutes(string device, Ipv4Subnet route)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(RouteTable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"failed to read the routing table {RouteTable}: {e.Message}", e);
        }
        var destination = Inet(route.Network).AddrBe;
        var mask = Inet(route.Mask).AddrBe;
        bool viaDevice = false, backstop = false;
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split('\t', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8
                || !uint.TryParse(fields[1], System.Globalization.NumberStyles.HexNumber, null, out var dst) || dst != destination
                || !uint.TryParse(fields[7], System.Globalization.NumberStyles.HexNumber, null, out var genmask) || genmask != mask
                || !ushort.TryParse(fields[3], System.Globalization.NumberStyles.HexNumber, null, out var flags))
                continue;
            if ((flags & RTF_REJECT) != 0)
                backstop = true;
            else if (fields[0] == device)
                viaDevice = true;
        }
        return (viaDevice, backstop);
    }

    /// <summary>The IPv4 routing table of the calling thread's network namespace.</summary>
    private const string RouteTable = "/proc/thread-self/net/route";

    private static unsafe void AddRoute(int socket, string device, Ipv4Subnet route)
    {
        var name = new byte[IFNAMSIZ];
        System.Text.Encoding.ASCII.GetBytes(device, name);
        fixed (byte* dev = name)
        {
            var entry = new Rtentry
            {
                Dst = Inet(route.Network),
                Genmask = Inet(route.Mask),
                Flags = RTF_UP,
                Dev = dev,
            };
            if (LibC.ioctl(socket, LibC.SIOCADDRT, &entry) < 0)
            {
                var errno = Errno.Last;
                // flannel tolerates EEXIST: Docker or an earlier run may already have installed it.
                if (errno != LibC.EEXIST)
                    throw new IOException($"failed to add route {route} dev {device}: {Errno.Name(errno)}");
            }
        }
    }

    /// <summary>
    /// The ICMP net-unreachable replies come from the TUN address, a local address of this host, and
    /// the kernel drops packets arriving with a local source as martians unless accept_local is on
    /// for the device (checked: without it flannel's reply never reaches the sender). Only the TUN's
    /// own setting changes; the UDP side's source check keeps peers from using local sources.
    /// /proc/sys/net resolves in the calling thread's network namespace.
    /// </summary>
    private static void AcceptLocalSource(string device)
    {
        var path = $"/proc/sys/net/ipv4/conf/{device}/accept_local";
        try
        {
            // Already on: nothing to write. In a container /proc/sys is read-only; there the
            // setting comes from net.ipv4.conf.default.accept_local=1 (compose sysctls), which a
            // device created afterwards inherits.
            if (File.ReadAllText(path).Trim() == "1")
                return;
            File.WriteAllText(path, "1");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"failed to set net.ipv4.conf.{device}.accept_local=1: {e.Message}", e);
        }
    }

    private static Ifreq NewRequest(string device)
    {
        var request = default(Ifreq);
        SetName(ref request, device);
        return request;
    }

    private static unsafe void Ioctl(int socket, int request, ref Ifreq ifreq, string failure)
    {
        fixed (Ifreq* p = &ifreq)
        {
            if (LibC.ioctl(socket, request, p) < 0)
                throw new IOException($"{failure}: {Errno.Name(Errno.Last)}");
        }
    }
}
