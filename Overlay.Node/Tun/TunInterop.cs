using System.Runtime.InteropServices;

namespace Overlay.Node.Tun;

/// <summary>
/// The constants and structs of linux/if_tun.h, linux/if.h and linux/route.h that Tmds.LibC 0.5.0
/// lacks. Layouts are for 64-bit Linux (x64, arm64), the only targets of overlay-node.
/// </summary>
internal static class TunInterop
{
    /// <summary>_IOW('T', 202, int): attach the fd to a (new) TUN/TAP device.</summary>
    public const int TUNSETIFF = 0x400454CA;

    /// <summary>Layer 3 device: packets are IP, no Ethernet header.</summary>
    public const short IFF_TUN = 0x0001;

    /// <summary>No 4-byte packet-info prefix: reads and writes are bare IP packets (flannel's format).</summary>
    public const short IFF_NO_PI = 0x1000;

    /// <summary>Every read and write carries a virtio_net_hdr before the packet (offloads).</summary>
    public const short IFF_VNET_HDR = 0x4000;

    /// <summary>Several descriptors (queues) on one device; the kernel spreads flows over them by hash.</summary>
    public const short IFF_MULTI_QUEUE = 0x0100;

    /// <summary>_IOW('T', 208, unsigned int): which offloads the reader accepts (TUN_F_*).</summary>
    public const int TUNSETOFFLOAD = 0x400454D0;

    /// <summary>The reader completes checksums (packets may arrive with NEEDS_CSUM).</summary>
    public const uint TUN_F_CSUM = 0x01;

    /// <summary>The reader splits TCPv4 super-packets (GSO_TCPV4 reads); needs TUN_F_CSUM.</summary>
    public const uint TUN_F_TSO4 = 0x02;

    /// <summary>The reader also takes TCP super-packets of ECN flows (GSO_TCPV4 | GSO_ECN: CWR goes on the
    /// first segment only). Without it the kernel segments those in software in front of the TUN.</summary>
    public const uint TUN_F_TSO_ECN = 0x08;

    /// <summary>The reader splits UDP-over-IPv4 super-packets (GSO_UDP_L4 reads) and may write them (kernel
    /// &gt;= 6.2; the kernel takes it only together with <see cref="TUN_F_USO6"/>).</summary>
    public const uint TUN_F_USO4 = 0x20;

    /// <summary>The same for UDP over IPv6 (never seen by an IPv4 overlay, but required beside USO4).</summary>
    public const uint TUN_F_USO6 = 0x40;

    /// <summary>Interface flag: administratively up.</summary>
    public const short IFF_UP = 0x0001;

    /// <summary>Interface flag: resources allocated (the kernel sets it; we request it as ifconfig does).</summary>
    public const short IFF_RUNNING = 0x0040;

    /// <summary>Route flag: the route is usable.</summary>
    public const ushort RTF_UP = 0x0001;

    /// <summary>Route flag: reject (an "unreachable" route; packets get ENETUNREACH / ICMP net unreachable).</summary>
    public const ushort RTF_REJECT = 0x0200;

    /// <summary>Read an interface's IPv4 address (linux/sockios.h).</summary>
    public const int SIOCGIFADDR = 0x8915;

    /// <summary>Delete a route (linux/sockios.h); Tmds.LibC 0.5.0 has only SIOCADDRT.</summary>
    public const int SIOCDELRT = 0x890C;

    /// <summary>Maximum interface name length including the terminating NUL.</summary>
    public const int IFNAMSIZ = 16;

    /// <summary>sizeof(struct ifreq) on 64-bit Linux: the name plus a 24-byte union.</summary>
    public const int IfreqSize = 40;

    /// <summary>sizeof(struct rtentry) on 64-bit Linux.</summary>
    public const int RtentrySize = 120;

    /// <summary>AF_INET, as a sockaddr's family field.</summary>
    public const ushort AF_INET = 2;

    /// <summary>struct ifreq: a NUL-terminated name, then a union whose members we use as a short
    /// (ifr_flags), an int (ifr_mtu) or a sockaddr_in (ifr_addr / ifr_netmask).</summary>
    [StructLayout(LayoutKind.Explicit, Size = IfreqSize)]
    public unsafe struct Ifreq
    {
        [FieldOffset(0)] public fixed byte Name[IFNAMSIZ];
        [FieldOffset(16)] public short Flags;
        [FieldOffset(16)] public int Mtu;
        [FieldOffset(16)] public SockaddrIn Addr;
    }

    /// <summary>struct sockaddr_in (16 bytes); port and address in network byte order.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 16)]
    public struct SockaddrIn
    {
        public ushort Family;
        public ushort PortBe;
        public uint AddrBe;
        public ulong Zero;
    }

    /// <summary>struct rtentry for SIOCADDRT/SIOCDELRT (64-bit layout: pointers and longs are 8 bytes).</summary>
    [StructLayout(LayoutKind.Explicit, Size = RtentrySize)]
    public unsafe struct Rtentry
    {
        [FieldOffset(0)] public ulong Pad1;
        [FieldOffset(8)] public SockaddrIn Dst;
        [FieldOffset(24)] public SockaddrIn Gateway;
        [FieldOffset(40)] public SockaddrIn Genmask;
        [FieldOffset(56)] public ushort Flags;
        [FieldOffset(80)] public short Metric;
        [FieldOffset(88)] public byte* Dev;
        [FieldOffset(96)] public ulong Mtu;
        [FieldOffset(104)] public ulong Window;
        [FieldOffset(112)] public ushort Irtt;
    }

    /// <summary>Copies <paramref name="name"/> into an ifreq's name field; throws when it does not fit.</summary>
    public static unsafe void SetName(ref Ifreq request, string name)
    {
        if (!InterfaceName.IsValid(name))
            throw new ArgumentException($"invalid interface name '{name}': {InterfaceName.Rule}", nameof(name));
        fixed (byte* target = request.Name)
        {
            var span = new Span<byte>(target, IFNAMSIZ);
            span.Clear();
            System.Text.Encoding.ASCII.GetBytes(name, span);
        }
    }

    /// <summary>Reads the NUL-terminated name the kernel wrote into an ifreq.</summary>
    public static unsafe string GetName(in Ifreq request)
    {
        fixed (byte* source = request.Name)
        {
            var span = new ReadOnlySpan<byte>(source, IFNAMSIZ);
            var end = span.IndexOf((byte)0);
            return System.Text.Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
        }
    }

    /// <summary>An AF_INET sockaddr for host-order <paramref name="address"/>.</summary>
    public static SockaddrIn Inet(uint address) => new()
    {
        Family = AF_INET,
        AddrBe = (uint)System.Net.IPAddress.HostToNetworkOrder((int)address),
    };
}
