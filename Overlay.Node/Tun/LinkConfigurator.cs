using Overlay.Actors.Addressing;
using Tmds.Linux;
using static Overlay.Node.Tun.TunInterop;

namespace Overlay.Node.Tun;

/// <summary>
/// Configures a TUN link with the classic socket ioctls (SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFMTU,
/// SIOCSIFFLAGS, SIOCADDRT) on an AF_INET datagram socket, plus the device's accept_local sysctl
/// (see <see cref="AcceptLocalSource"/>); never by running ip(8). Acts in the
/// calling thread's network namespace. Thread-safe (stateless; each call uses its own socket).
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
        }
        finally
        {
            LibC.close(socket);
        }
    }

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
